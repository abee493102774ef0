"""Claims through the real handlers under moto: refusals, parts, idempotency, listing, evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from cme_ledger import runtime
from cme_ledger.services.audit import audit
from tests.support import admin, call, claimable_totals, make_course, make_premium, seed_credits

# These tests deliver no render messages: certificates (invariant 3) are audited in test_audit.py.
NO_RENDERING = 10**7  # minutes

LEARNER = "learner-1"


@pytest.fixture
def ledger(aws: Any) -> list[str]:
    """Given a course offering AMA and ACEP, three 1.5 credits, and a premium learner."""
    make_course()
    make_premium(LEARNER)
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": LEARNER,
                    "course_id": "em",
                    "topic": f"Topic {i}",
                    "amount": 1.5,
                    "source_id": f"src-{i}",
                    "earned_at": f"2026-0{i + 1}-01T10:00:00Z",
                }
                for i in range(3)
            ]
        },
    )
    assert reply.status == 201
    return [item["credit_id"] for item in reply.body["items"]]


def claim(body: dict[str, Any], key: str | None = None, user: str = LEARNER) -> Any:
    return call(
        "POST", "/claims", user=user, body=body, headers={"Idempotency-Key": key} if key is not None else None
    )


def test_claim_all_then_nothing_left(ledger: list[str]) -> None:
    first = claim({"all": True}, "k-all")
    assert first.status == 201
    assert first.body["status"] == "processing"
    assert first.body["total"] == 4.5
    assert [t["topic"] for t in first.body["certificates"][0]["topics"]] == ["Topic 0", "Topic 1", "Topic 2"]
    assert first.body["certificates"][0]["certificate_code"]
    again = claim({"all": True})
    assert again.status == 409 and again.error_code == "nothing_to_claim"
    # ACEP is a separate type: still claimable in full.
    assert all(c == {"ACEP": 1.5} for c in claimable_totals(LEARNER).values())
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_partial_parts_and_refusal_reasons(ledger: list[str]) -> None:
    a, b, _ = ledger
    assert claim({"selections": [{"credit_id": a, "amount": 0.5}]}).status == 201
    step = claim({"selections": [{"credit_id": a, "amount": 0.3}]})
    assert step.status == 422 and step.body["error"]["details"][0]["field"] == "selections[0].amount"
    # The whole remainder is allowed even when it is not a step of 0.25.
    too_much = claim({"selections": [{"credit_id": a, "amount": 1.25}]})
    assert too_much.status == 409
    assert too_much.body["error"]["details"] == [{"credit_id": a, "reason": "insufficient"}]
    rest = claim({"selections": [{"credit_id": a}]})
    assert rest.status == 201 and rest.body["total"] == 1
    taken = claim({"selections": [{"credit_id": a}, {"credit_id": "nope"}, {"credit_id": b, "amount": 0.25}]})
    assert taken.status == 409
    assert {(d["credit_id"], d["reason"]) for d in taken.body["error"]["details"]} == {
        (a, "claimed"),
        ("nope", "unknown"),
    }
    # Nothing of the refused claim was applied: b is whole.
    assert claimable_totals(LEARNER)[b]["AMA_PRA_1"] == 1.5
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_the_amount_step_is_judged_before_availability(ledger: list[str]) -> None:
    a = ledger[0]  # 1.5 credits
    assert claim({"selections": [{"credit_id": a, "amount": 1.25}]}).status == 201
    # 0.25 left: 0.3 is neither a step nor the remainder, a 422 that API.md orders before any 409.
    step = claim({"selections": [{"credit_id": a, "amount": 0.3}]})
    assert step.status == 422 and step.body["error"]["details"][0]["field"] == "selections[0].amount"
    # A step that is more than is left is insufficient, at any size of number.
    for amount in (0.5, 8e29):
        over = claim({"selections": [{"credit_id": a, "amount": amount}]})
        assert over.status == 409 and over.body["error"]["details"] == [
            {"credit_id": a, "reason": "insufficient"}
        ]
    assert claim({"selections": [{"credit_id": a}]}).status == 201
    # Fully claimed: nothing is left to judge a step against, so whatever the amount it is "claimed".
    for amount in (0.3, 0.25):
        taken = claim({"selections": [{"credit_id": a, "amount": amount}]})
        assert taken.status == 409 and taken.body["error"]["details"] == [
            {"credit_id": a, "reason": "claimed"}
        ]


def test_type_not_offered_is_a_validation_error(ledger: list[str]) -> None:
    reply = claim({"credit_type": "ANCC_CNE", "selections": [{"credit_id": ledger[0]}]})
    assert reply.status == 422 and reply.error_code == "validation_error"


def test_membership_required_and_order_of_refusals(ledger: list[str]) -> None:
    make_premium("poor", until="2020-01-01T00:00:00Z")
    assert claim({"all": True}, user="poor").error_code == "membership_required"
    # Shape errors come before membership.
    assert claim({"all": True, "bogus": 1}, user="poor").status == 422
    assert claim({"all": False}, user="poor").status == 422


def test_other_learners_credit_is_unknown(ledger: list[str]) -> None:
    make_premium("learner-2")
    reply = claim({"selections": [{"credit_id": ledger[0]}]}, user="learner-2")
    assert reply.status == 409
    assert reply.body["error"]["details"] == [{"credit_id": ledger[0], "reason": "unknown"}]


def test_idempotent_replay_and_mismatch(ledger: list[str]) -> None:
    body = {"selections": [{"credit_id": ledger[0], "amount": 0.5}]}
    first = claim(body, "key-1")
    # Equal after defaults are applied: same answer, nothing claimed twice.
    replay = claim({"credit_type": "AMA_PRA_1", **body}, "key-1")
    assert replay.status == 201 and replay.body == first.body
    assert claimable_totals(LEARNER)[ledger[0]]["AMA_PRA_1"] == 1
    mismatch = claim({"selections": [{"credit_id": ledger[0], "amount": 0.75}]}, "key-1")
    assert mismatch.status == 409 and mismatch.error_code == "idempotency_key_mismatch"
    # Keys are per learner: the same key is free for another learner.
    make_premium("learner-2")
    assert claim({"all": True}, "key-1", user="learner-2").error_code == "nothing_to_claim"
    empty = claim(body, "")
    assert empty.status == 422


def test_refusal_is_replayed_too(ledger: list[str]) -> None:
    make_premium("learner-3", until="2020-01-01T00:00:00Z")
    first = claim({"all": True}, "r-1", user="learner-3")
    assert first.error_code == "membership_required"
    make_premium("learner-3")
    assert claim({"all": True}, "r-1", user="learner-3").body == first.body


def test_get_claim_list_sort_and_paginate(ledger: list[str]) -> None:
    made = [
        claim({"selections": [{"credit_id": ledger[2], "amount": 0.25}]}).body,
        claim({"selections": [{"credit_id": ledger[0], "amount": 1.0}]}).body,
        claim({"selections": [{"credit_id": ledger[1], "amount": 0.5}]}).body,
    ]
    by_credits = call("GET", "/claims", user=LEARNER, query={"sort": "credits", "order": "asc"}).body["items"]
    assert [c["total"] for c in by_credits] == [0.25, 0.5, 1]
    by_year = call("GET", "/claims", user=LEARNER, query={"sort": "earned_year", "order": "asc"}).body[
        "items"
    ]
    assert {c["claim_id"] for c in by_year} == {c["claim_id"] for c in made}
    seen, cursor = [], None
    while True:
        query: dict[str, Any] = {"limit": 1}
        if cursor:
            query["cursor"] = cursor
        page = call("GET", "/claims", user=LEARNER, query=query).body
        seen += [c["claim_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(c["claim_id"] for c in made)
    assert call("GET", "/claims", user=LEARNER, query={"sort": "nope"}).status == 422
    assert call("GET", "/claims", user="learner-2", query={"cursor": cursor or "abc.def"}).status == 422
    one = call("GET", f"/claims/{made[0]['claim_id']}", user=LEARNER)
    assert (
        one.status == 200 and one.body["evaluation_submitted"] is False and one.body["board_report"] is None
    )
    assert call("GET", f"/claims/{made[0]['claim_id']}", user="learner-2").status == 404


def test_cursor_of_another_learner_is_refused(ledger: list[str]) -> None:
    claim({"selections": [{"credit_id": ledger[0], "amount": 0.25}]})
    claim({"selections": [{"credit_id": ledger[1], "amount": 0.25}]})
    cursor = call("GET", "/claims", user=LEARNER, query={"limit": 1}).body["next_cursor"]
    assert cursor
    stolen = call("GET", "/claims", user="learner-2", query={"limit": 1, "cursor": cursor})
    assert stolen.status == 422 and stolen.error_code == "validation_error"


def test_evaluation_once(ledger: list[str]) -> None:
    made = claim({"all": True}).body
    path = f"/claims/{made['claim_id']}/evaluation"
    bad = call(
        "POST",
        path,
        user=LEARNER,
        body={"ratings": {"overall": 9, "relevance": 1, "quality": 1}, "free_of_bias": True},
    )
    assert bad.status == 422
    good = {
        "ratings": {"overall": 5, "relevance": 4, "quality": 5},
        "free_of_bias": True,
        "comments": "Useful",
    }
    assert call("POST", path, user=LEARNER, body=good).status == 201
    assert call("POST", path, user=LEARNER, body=good).error_code == "evaluation_exists"
    assert call("POST", path, user="learner-2", body=good).status == 404
    assert call("GET", f"/claims/{made['claim_id']}", user=LEARNER).body["evaluation_submitted"] is True


def test_display_name_is_copied_when_claimed(ledger: list[str]) -> None:
    call("PUT", "/me", user=LEARNER, body={"display_name": "Dana Whitfield", "degree": "MD"})
    made = claim({"all": True}).body
    call("PUT", "/me", user=LEARNER, body={"display_name": "Someone Else"})
    again = call("GET", f"/claims/{made['claim_id']}", user=LEARNER).body
    assert (again["display_name"], again["degree"]) == ("Dana Whitfield", "MD")


# 300 credits (4 transactions) in make test; 5,000 (51 transactions, minutes under moto) in make test-slow.
@pytest.mark.parametrize(
    "count", [300, pytest.param(5000, marks=[pytest.mark.slow, pytest.mark.timeout(1800)], id="5000")]
)
def test_a_claim_of_many_credits_is_all_or_nothing(aws: Any, count: int) -> None:
    from cme_ledger.domain.claim_plan import MAX_LINES as CHUNK

    make_course()
    make_premium(LEARNER)
    ids = seed_credits(LEARNER, "em", count)
    ids.sort()  # the claim applies lines in (course, earned_at, credit id) order: ids[-1] goes last
    before = claimable_totals(LEARNER)
    everything = {"selections": [{"credit_id": i} for i in ids]}
    chunks = -(-count // CHUNK)
    assert chunks >= 3, "the claim must span several transactions"

    # Another claim takes the very last credit while the big one is applied but for its last chunk:
    # the big claim is refused and every chunk it had applied is undone.
    def rival(step: str) -> None:
        if step == f"chunk:{chunks - 2}":
            runtime.set_fault(None)
            assert claim({"selections": [{"credit_id": ids[-1], "amount": 0.25}]}).status == 201

    runtime.set_fault(rival)
    try:
        refused = claim(everything)
    finally:
        runtime.set_fault(None)
    assert refused.status == 409
    assert refused.body["error"]["details"] == [{"credit_id": ids[-1], "reason": "insufficient"}]
    after = claimable_totals(LEARNER)
    assert after[ids[-1]]["AMA_PRA_1"] == 0.75
    assert {k: v for k, v in after.items() if k != ids[-1]} == {
        k: v for k, v in before.items() if k != ids[-1]
    }
    assert audit(render_grace_minutes=NO_RENDERING) == []
    everything["selections"][-1]["amount"] = 0.75  # type: ignore[assignment]
    made = claim(everything, "big")
    assert made.status == 201 and made.body["total"] == count - 0.25  # the rival holds 0.25 of the last one
    assert all(c == {"ACEP": 1} for c in claimable_totals(LEARNER).values())
    assert audit(render_grace_minutes=NO_RENDERING) == []
