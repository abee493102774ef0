"""Crashes injected after every step of a claim spanning several transactions, then recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from cme_ledger import clock, runtime
from cme_ledger.domain.model import ClaimRecord
from cme_ledger.services import claims as claims_service
from cme_ledger.services.audit import audit
from tests.support import call, claimable_totals, make_course, make_premium, seed_credits

LEARNER = "learner-f"
CREDITS = 250  # three chunks of at most 99 credits
# These tests deliver no render messages: invariant 3 (certificates) is tested with the worker.
RENDERING_NOT_UNDER_TEST = 24 * 60
# The pending record rides in chunk 0 and the commit in chunk 2 (docs/adr/0001): "chunk:2" is
# after the commit, "commit" after it too but just before the render message.
STEPS = ["chunk:0", "chunk:1", "chunk:2", "commit"]


class Crash(Exception):
    """Stands for the process dying: nothing in the claim code catches it."""


def crash_at(step: str) -> Any:
    def fault(name: str) -> None:
        if name == step:
            raise Crash(step)

    return fault


@pytest.fixture
def ledger(aws: Any) -> Iterator[list[str]]:
    make_course()
    make_premium(LEARNER)
    yield seed_credits(LEARNER, "em", CREDITS)
    runtime.set_fault(None)


def claim(body: dict[str, Any], key: str) -> Any:
    return call("POST", "/claims", user=LEARNER, body=body, headers={"Idempotency-Key": key})


def later(minutes: int) -> None:
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=minutes))


def only_claims() -> list[ClaimRecord]:
    from cme_ledger.store.scan import read_ledger

    return list(read_ledger().claims.values())


@pytest.mark.parametrize("step", STEPS)
def test_crash_then_recovery_finishes_the_claim(ledger: list[str], step: str) -> None:
    before = claimable_totals(LEARNER)
    runtime.set_fault(crash_at(step))
    with pytest.raises(Crash):
        claim({"all": True}, f"crash-{step}")
    runtime.set_fault(None)

    later(10)
    claims_service.recover()
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []
    after = claimable_totals(LEARNER)
    # Finished: every credit reduced by exactly what was asked, once.
    assert after == {k: {t: v for t, v in c.items() if t != "AMA_PRA_1"} for k, c in before.items()}
    assert [c.status for c in only_claims()] == ["committed"]


@pytest.mark.parametrize("step", STEPS)
def test_retry_after_crash_resumes_the_same_claim(ledger: list[str], step: str) -> None:
    runtime.set_fault(crash_at(step))
    with pytest.raises(Crash):
        claim({"all": True}, "retry-key")
    runtime.set_fault(None)
    later(10)
    first = claim({"all": True}, "retry-key")
    second = claim({"all": True}, "retry-key")
    assert first.status == 201 and second.body == first.body
    assert first.body["total"] == CREDITS
    assert len(only_claims()) == 1
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []


def test_retry_while_running_is_request_in_progress(ledger: list[str]) -> None:
    runtime.set_fault(crash_at("chunk:1"))
    with pytest.raises(Crash):
        claim({"all": True}, "busy")
    runtime.set_fault(None)
    busy = claim({"all": True}, "busy")
    assert busy.status == 409 and busy.error_code == "request_in_progress"


@pytest.mark.parametrize("undo_step", ["cancelling", "undo:0", "undo:1"])
def test_crash_while_undoing_a_conflict_ends_undone(ledger: list[str], undo_step: str) -> None:
    before = claimable_totals(LEARNER)
    last = max(ledger)  # lines are applied in credit-id order within the course: this one goes last

    def rival_then_crash(name: str) -> None:
        if name == "chunk:1":
            runtime.set_fault(crash_at(undo_step))  # the rival's own steps never match an undo step
            rival = call(
                "POST", "/claims", user=LEARNER, body={"selections": [{"credit_id": last, "amount": 0.5}]}
            )
            assert rival.status == 201

    runtime.set_fault(rival_then_crash)
    with pytest.raises(Crash):
        claim({"all": True}, "undo")
    runtime.set_fault(None)
    later(10)
    claims_service.recover()
    assert audit(render_grace_minutes=RENDERING_NOT_UNDER_TEST) == []
    after = claimable_totals(LEARNER)
    # Undone: exactly as before, but for the rival's 0.5 on the last credit.
    assert after[last]["AMA_PRA_1"] == 0.5
    assert {k: v for k, v in after.items() if k != last} == {k: v for k, v in before.items() if k != last}
    replay = claim({"all": True}, "undo")
    assert replay.status == 409 and replay.error_code == "credits_unavailable"
