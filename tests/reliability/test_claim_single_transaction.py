"""A claim that fits one transaction is written whole in it (docs/adr/0001): a rival claim and an
expiry racing it, and a crash between the transaction and the render message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from cme_ledger import clock, runtime
from cme_ledger.domain.claim_decision import ClaimInput, Selection
from cme_ledger.services import claims as claims_service
from cme_ledger.services.audit import audit
from cme_ledger.store import claim_writes, learner
from cme_ledger.store import credits as credit_store
from cme_ledger.store.scan import read_ledger
from tests.support import call, deliver, make_course, make_premium, seed_credits

LEARNER = "learner-s"
RENDERING_NOT_UNDER_TEST = 24 * 60


class Crash(Exception):
    """Stands for the process dying: nothing in the claim code catches it."""


@pytest.fixture
def ledger(aws: Any) -> Iterator[list[str]]:
    make_course()
    make_premium(LEARNER)
    yield seed_credits(LEARNER, "em", 5)
    runtime.set_fault(None)


def claim(body: dict[str, Any], key: str) -> Any:
    return call("POST", "/claims", user=LEARNER, body=body, headers={"Idempotency-Key": key})


def counting_transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The item count of every claim transaction made from now on."""
    sizes: list[int] = []
    real = claim_writes.apply_chunk

    def counted(*args: Any, **kwargs: Any) -> str:
        sizes.append(len(args[3].lines))
        return real(*args, **kwargs)

    monkeypatch.setattr(claim_writes, "apply_chunk", counted)
    return sizes


def test_a_small_claim_is_one_transaction_and_committed_at_once(
    ledger: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = counting_transactions(monkeypatch)
    made = claim({"all": True}, "one")
    assert made.status == 201 and made.body["total"] == 5
    assert sizes == [5]
    [record] = read_ledger().claims.values()
    assert record.status == "committed" and record.claimed_at == made.body["claimed_at"]
    # Listed at once, in every order.
    for sort in ("claimed_at", "earned_year", "credits"):
        listed = call("GET", "/claims", user=LEARNER, query={"sort": sort})
        assert [c["claim_id"] for c in listed.body["items"]] == [made.body["claim_id"]]
    assert claim({"all": True}, "one").body == made.body
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []


def test_a_rival_claim_landing_first_leaves_nothing_of_the_loser(
    ledger: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rival takes half of one credit between the loser's read and its transaction: the loser's
    transaction fails whole, and its refusal is kept under its key."""
    real = claim_writes.apply_chunk
    raced: list[str] = []

    def rival_first(*args: Any, **kwargs: Any) -> str:
        if not raced:
            raced.append("rival")
            rival = ClaimInput("AMA_PRA_1", False, (Selection(ledger[0], Decimal("0.5")),), {"r": 1})
            claims_service.create_claim(LEARNER, rival, "rival-key")
        return real(*args, **kwargs)

    monkeypatch.setattr(claim_writes, "apply_chunk", rival_first)
    lost = claim({"selections": [{"credit_id": c} for c in ledger]}, "loser")
    monkeypatch.undo()
    assert lost.status == 409 and lost.error_code == "credits_unavailable"
    assert lost.body["error"]["details"] == [{"credit_id": ledger[0], "reason": "insufficient"}]
    credits = credit_store.get_credits(LEARNER, ledger)
    assert credits[ledger[0]].claimed == {"AMA_PRA_1": Decimal("0.5")}
    assert all(credits[c].claimed == {} for c in ledger[1:])
    statuses = sorted(r.status for r in read_ledger().claims.values())
    assert statuses == ["committed", "refused"]  # the loser wrote only its refusal, after the fact
    again = claim({"selections": [{"credit_id": c} for c in ledger]}, "loser")
    assert again.status == 409 and again.body == lost.body
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []


def test_an_expiry_landing_first_refuses_the_claim_whole(
    aws: Any, ledger: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credit's window closes between the read and the transaction: refused, nothing taken."""
    real = learner.read_claimant
    expiring = credit_store.get_credits(LEARNER, [ledger[0]])[ledger[0]]
    closes = clock.parse_iso(expiring.expires_at)

    def then_the_window_closes(*args: Any, **kwargs: Any) -> Any:
        read = real(*args, **kwargs)
        clock.set_clock(lambda: closes + timedelta(seconds=1))
        return read

    clock.set_clock(lambda: closes - timedelta(seconds=1))
    monkeypatch.setattr(learner, "read_claimant", then_the_window_closes)
    refused = claim({"all": True}, "late")
    monkeypatch.undo()
    assert refused.status == 409 and refused.error_code == "credits_unavailable"
    assert {"credit_id": ledger[0], "reason": "expired"} in refused.body["error"]["details"]
    assert all(c.claimed == {} for c in credit_store.get_credits(LEARNER, ledger).values())
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []


def test_retry_after_a_crash_between_the_transaction_and_the_render_message(
    aws: Any, ledger: list[str]
) -> None:
    def crash(step: str) -> None:
        if step == "commit":
            raise Crash(step)

    runtime.set_fault(crash)
    with pytest.raises(Crash):
        claim({"all": True}, "crashed")
    runtime.set_fault(None)
    assert deliver(aws, "RenderQueue") == []  # the render message was never sent

    retried = claim({"all": True}, "crashed")
    assert retried.status == 201 and retried.body["total"] == 5 and retried.body["status"] == "processing"
    [record] = read_ledger().claims.values()
    assert record.claim_id == retried.body["claim_id"]
    # The retry queued the rendering the crash lost: the certificate is made.
    assert len(deliver(aws, "RenderQueue")) == 1
    ready = call("GET", f"/claims/{retried.body['claim_id']}", user=LEARNER)
    assert ready.body["status"] == "ready"
    assert claim({"all": True}, "crashed").body == retried.body
    assert audit() == []
