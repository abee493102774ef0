"""Expiry through the real handlers under moto: invisible and unclaimable from the instant, the sweep
marks exactly the due credits, reads only due index items (never a Scan), survives races and crashes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cme_ledger import clock
from cme_ledger.services.audit import audit
from cme_ledger.services.expiry import expire_due_credits
from cme_ledger.store import claim_writes, db
from cme_ledger.store import credits as credit_store
from cme_ledger.store import expiry as store_expiry
from cme_ledger.store.learner import read_learner
from infra import template as tpl
from infra.invoke import invoke
from tests.support import admin, call, claimable_totals, make_course, make_premium

# These tests deliver no render messages: certificates (invariant 3) are audited in test_audit.py.
NO_RENDERING = 10**7  # minutes

LEARNER = "learner-1"
WINDOW_CLOSES = "2026-01-10T12:00:00Z"  # 3 years after 2023-01-10T12:00:00Z


def at(iso: str) -> None:
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    clock.set_clock(lambda: moment)


@pytest.fixture
def ledger(aws: Any) -> dict[str, str]:
    """Given old credits imported on 2026-01-01: three close at WINDOW_CLOSES, two later.

    `partial` has 0.5 AMA claimed and `full` is claimed in full (both types) before the window closes.
    """
    at("2026-01-01T09:00:00Z")
    make_course()
    make_premium(LEARNER)
    spec = {
        "due": ("2023-01-10T12:00:00Z", 1.5),
        "partial": ("2023-01-10T12:00:00Z", 2),
        "full": ("2023-01-10T12:00:00Z", 1),
        "one_second_later": ("2023-01-10T12:00:01Z", 1),
        "next_month": ("2023-02-10T08:00:00Z", 1),
    }
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": LEARNER,
                    "course_id": "em",
                    "topic": name,
                    "amount": amount,
                    "source_id": name,
                    "earned_at": earned,
                }
                for name, (earned, amount) in spec.items()
            ]
        },
    )
    assert reply.status == 201
    ids = {name: item["credit_id"] for name, item in zip(spec, reply.body["items"], strict=True)}
    at("2025-06-01T00:00:00Z")
    assert claim({"selections": [{"credit_id": ids["partial"], "amount": 0.5}]}).status == 201
    for credit_type in ("AMA_PRA_1", "ACEP"):
        made = claim({"credit_type": credit_type, "selections": [{"credit_id": ids["full"]}]})
        assert made.status == 201, made
    return ids


def claim(body: dict[str, Any]) -> Any:
    return call("POST", "/claims", user=LEARNER, body=body)


def sweep_route() -> dict[str, Any]:
    reply = admin("POST", "/admin/sweeps/expiry")
    assert reply.status == 200, reply
    return reply.body


@pytest.fixture
def dynamodb_calls() -> Iterator[list[str]]:
    """The name of every DynamoDB operation made through the store's client."""
    seen: list[str] = []

    def count(model: Any, **kwargs: Any) -> None:
        seen.append(model.name)

    events = db.client().meta.events
    events.register("before-call.dynamodb", count)
    yield seen
    events.unregister("before-call.dynamodb", count)


def test_invisible_and_unclaimable_from_the_instant_before_any_sweep(ledger: dict[str, str]) -> None:
    at("2026-01-10T11:59:59Z")
    assert ledger["due"] in claimable_totals(LEARNER)
    at(WINDOW_CLOSES)
    visible = claimable_totals(LEARNER)
    assert ledger["due"] not in visible and ledger["partial"] not in visible
    assert ledger["one_second_later"] in visible and ledger["next_month"] in visible
    refused = claim({"selections": [{"credit_id": ledger["due"]}]})
    assert refused.status == 409 and refused.error_code == "credits_unavailable"
    assert refused.body["error"]["details"] == [{"credit_id": ledger["due"], "reason": "expired"}]
    # Nothing was marked: the refusal comes from the time alone.
    assert credit_store.get_credits(LEARNER, [ledger["due"]])[ledger["due"]].expired_at is None


def test_sweep_marks_exactly_the_due_credits_and_reads_only_them(
    ledger: dict[str, str], dynamodb_calls: list[str]
) -> None:
    at(WINDOW_CLOSES)
    assert sweep_route() == {"expired": 2, "credits_read": 2}
    assert "Scan" not in dynamodb_calls and "Query" in dynamodb_calls
    stored = credit_store.get_credits(LEARNER, ledger.values())
    assert {name for name, cid in ledger.items() if stored[cid].expired_at} == {"due", "partial"}
    due, partial, full = stored[ledger["due"]], stored[ledger["partial"]], stored[ledger["full"]]
    assert due.unclaimed_at_expiry == {"AMA_PRA_1": Decimal("1.5"), "ACEP": Decimal("1.5")}
    assert partial.unclaimed_at_expiry == {"AMA_PRA_1": Decimal("1.5"), "ACEP": Decimal("2")}
    # Claimed parts are never touched by expiry; both left the index.
    assert partial.claimed == {"AMA_PRA_1": Decimal("0.5")} and len(partial.parts) == 1
    assert not due.indexed and not partial.indexed
    assert full.expired_at is None and not full.indexed  # left the index when claimed in full

    dynamodb_calls.clear()
    assert sweep_route() == {"expired": 0, "credits_read": 0}
    assert "Scan" not in dynamodb_calls

    at("2026-02-11T00:00:00Z")
    result = invoke(tpl.functions()["ExpirySweepFunction"], {"source": "aws.scheduler"})
    assert result == {"expired": 2, "credits_read": 2}
    assert "Scan" not in dynamodb_calls
    assert store_expiry.get_next_day() == "2026-02-11"
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_claim_applied_between_read_and_write_is_kept_and_counted(
    ledger: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep read the index item, then a claim made just before the instant lands: the sweep's
    conditional write fails on the version, it re-reads and records the remainder after the claim."""
    real = store_expiry.expire_credit
    interleaved: list[int] = []

    def claim_first(credit: store_expiry.DueCredit, unclaimed: dict[str, Decimal], now_iso: str) -> bool:
        if credit.credit_id == ledger["due"] and not interleaved:
            interleaved.append(credit.version)
            at("2026-01-10T11:59:59Z")
            made = claim({"selections": [{"credit_id": ledger["due"], "amount": 1}]})
            at(WINDOW_CLOSES)
            assert made.status == 201, made
        return real(credit, unclaimed, now_iso)

    at(WINDOW_CLOSES)
    monkeypatch.setattr(store_expiry, "expire_credit", claim_first)
    assert expire_due_credits() == {"expired": 2, "credits_read": 2}
    monkeypatch.undo()
    assert interleaved == [0]
    due = credit_store.get_credits(LEARNER, [ledger["due"]])[ledger["due"]]
    assert due.expired_at == WINDOW_CLOSES
    assert due.claimed == {"AMA_PRA_1": Decimal("1")}
    assert due.unclaimed_at_expiry == {"AMA_PRA_1": Decimal("0.5"), "ACEP": Decimal("1.5")}
    assert (
        audit(render_grace_minutes=NO_RENDERING) == []
    )  # invariant 4: nothing claimed at or after the expiry instant


def test_claim_checked_before_the_instant_loses_to_the_sweep(
    ledger: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim prepared a second before the instant whose write comes after the sweep marked the
    credit is refused: never both claimed and expired."""
    real_apply = claim_writes.apply_chunk

    def sweep_first(*args: Any, **kwargs: Any) -> str:
        at(WINDOW_CLOSES)
        assert expire_due_credits()["expired"] == 2
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(claim_writes, "apply_chunk", sweep_first)
    at("2026-01-10T11:59:59Z")
    refused = claim({"selections": [{"credit_id": ledger["due"]}]})
    monkeypatch.undo()
    assert refused.status == 409 and refused.error_code == "credits_unavailable"
    assert refused.body["error"]["details"] == [{"credit_id": ledger["due"], "reason": "expired"}]
    due = credit_store.get_credits(LEARNER, [ledger["due"]])[ledger["due"]]
    assert due.claimed == {} and due.parts == {} and due.expired_at == WINDOW_CLOSES
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_interrupted_sweep_is_finished_by_the_next_run(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    at("2026-01-01T00:00:00Z")
    make_course()
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": f"learner-{i % 3}",
                    "course_id": "em",
                    "topic": f"T{i}",
                    "amount": 1,
                    "source_id": f"s{i}",
                    "earned_at": f"2023-01-0{1 + i % 5}T10:00:00Z",
                }
                for i in range(12)
            ]
        },
    )
    assert reply.status == 201
    real = store_expiry.expire_credit
    writes: list[Any] = []

    def dies_after_five(*args: Any) -> bool:
        if len(writes) == 5:
            raise RuntimeError("the process died")
        writes.append(args)
        return real(*args)

    at("2026-01-06T00:00:00Z")
    monkeypatch.setattr(store_expiry, "expire_credit", dies_after_five)
    with pytest.raises(RuntimeError):
        expire_due_credits()
    monkeypatch.undo()
    assert store_expiry.get_next_day() == "2026-01-01"  # not moved: the run did not finish
    assert sweep_route() == {"expired": 7, "credits_read": 7}
    assert sweep_route() == {"expired": 0, "credits_read": 0}
    assert store_expiry.get_next_day() == "2026-01-06"
    for user in ("learner-0", "learner-1", "learner-2"):
        assert all(c.expired_at for c in read_learner(user).credits)


def test_sweep_route_needs_admin(aws: Any) -> None:
    assert call("POST", "/admin/sweeps/expiry", user=LEARNER).status == 403
