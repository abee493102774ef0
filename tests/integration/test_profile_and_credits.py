"""Profile, catalogue and credit routes of API.md through the real handlers under moto."""

from __future__ import annotations

from typing import Any

import pytest

from cme_ledger import clock
from tests.support import admin, call, make_course

LEARNER = "learner-p"


def test_me_defaults_then_update_and_clear(aws: Any) -> None:
    fresh = call("GET", "/me", user=LEARNER, name="Dr Dana")
    assert fresh.status == 200
    assert fresh.body == {
        "user_id": LEARNER,
        "display_name": "Dr Dana",
        "degree": "",
        "first_name": "",
        "last_name": "",
        "membership": {"premium": False, "premium_until": None},
        "board_ids": {},
        "birth_month_day": None,
        "time_zone": "UTC",
        "reminders": True,
    }
    put = call(
        "PUT",
        "/me",
        user=LEARNER,
        body={
            "display_name": "Dana W",
            "degree": "MD",
            "board_ids": {"ABP": "123456", "ABIM": "X1"},
            "birth_month_day": "02-29",
        },
    )
    assert put.status == 200 and put.body["board_ids"] == {"ABP": "123456", "ABIM": "X1"}
    cleared = call(
        "PUT",
        "/me",
        user=LEARNER,
        body={"display_name": "Dana W", "degree": None, "board_ids": {"ABP": None}},
    )
    assert cleared.body["degree"] == "" and cleared.body["board_ids"] == {"ABIM": "X1"}
    assert cleared.body["birth_month_day"] == "02-29"


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": ""},
        {"display_name": "x" * 121},
        {"display_name": "A", "membership": {"premium": True}},
        {"display_name": "A", "user_id": "other"},
        {"display_name": "A", "board_ids": {"ABP": "12"}},
        {"display_name": "A", "birth_month_day": "02-30"},
        {"display_name": 5},
        [],
    ],
)
def test_put_me_refuses_bad_input_with_422(aws: Any, body: Any) -> None:
    reply = call("PUT", "/me", user=LEARNER, body=body)
    assert reply.status == 422 and reply.error_code == "validation_error"
    assert reply.body["error"]["details"]
    # Reasons are plain sentences a client can show, not pydantic's "Value error, ..." wording.
    assert not any(d["reason"].startswith("Value error") for d in reply.body["error"]["details"])


def test_malformed_json_is_400_and_no_token_is_401(aws: Any) -> None:
    assert call("PUT", "/me", user=LEARNER, raw_body="{nope").error_code == "malformed_json"
    assert call("GET", "/me", user=None).status == 401
    assert call("GET", "/health", user=None).body == {"status": "ok"}


def test_catalogue(aws: Any) -> None:
    make_course("b-course", "B title", ["AMA_PRA_1"])
    make_course("a-course", "A title", ["AMA_PRA_1", "ABP_MOC_2"])
    courses = call("GET", "/courses", user=LEARNER).body["items"]
    assert [c["title"] for c in courses] == ["A title", "B title"]
    assert courses[0]["claim_window_years"] == 3
    codes = {t["code"] for t in call("GET", "/credit-types", user=LEARNER).body["items"]}
    assert {
        "AMA_PRA_1",
        "AAFP_PRESCRIBED",
        "AAPA_1",
        "ACEP",
        "AAP",
        "ANCC_CNE",
        "ABP_MOC_2",
        "ABIM_MOC",
        "STATE",
    } <= codes


def test_admin_course_validation_and_forbidden(aws: Any) -> None:
    good = {"title": "T", "provider": "P", "credit_types": ["AMA_PRA_1"]}
    assert call("PUT", "/admin/courses/c1", user=LEARNER, body=good).error_code == "forbidden"
    assert admin("PUT", "/admin/courses/bad id!", body=good).status == 422
    assert admin("PUT", "/admin/courses/c1", body={**good, "credit_types": ["NOPE"]}).status == 422
    assert admin("PUT", "/admin/courses/c1", body={**good, "claim_window_years": 11}).status == 422
    assert admin("PUT", "/admin/courses/c1", body={**good, "credit_types": []}).status == 422


def test_record_credits_idempotent_validated_and_listed(aws: Any) -> None:
    make_course()
    item = {
        "user_id": LEARNER,
        "course_id": "em",
        "topic": "Sepsis",
        "amount": 1.25,
        "source_id": "s-1",
        "earned_at": "2026-03-01T09:00:00Z",
    }
    first = admin("POST", "/admin/credits", body={"items": [item]})
    again = admin("POST", "/admin/credits", body={"items": [item]})
    assert first.status == again.status == 201
    assert again.body["items"][0]["created"] is False
    assert again.body["items"][0]["credit_id"] == first.body["items"][0]["credit_id"]
    future = {**item, "source_id": "s-2", "earned_at": "2999-01-01T00:00:00Z"}
    assert admin("POST", "/admin/credits", body={"items": [future]}).status == 422
    unknown = {**item, "source_id": "s-3", "course_id": "nope"}
    batch = admin("POST", "/admin/credits", body={"items": [{**item, "source_id": "s-4"}, unknown]})
    assert batch.status == 422
    assert batch.body["error"]["details"] == [{"field": "items[1].course_id", "reason": "unknown course"}]
    for bad in (
        {**item, "amount": 0},
        {**item, "amount": 1.234},
        {**item, "amount": "1"},
        {**item, "topic": ""},
    ):
        assert admin("POST", "/admin/credits", body={"items": [bad]}).status == 422
    listed = call("GET", "/credits", user=LEARNER).body
    # Nothing of the rejected batch was written.
    assert [c["topic"] for c in listed["items"]] == ["Sepsis"]
    assert listed["items"][0]["claimable"] == {"AMA_PRA_1": 1.25, "ACEP": 1.25}
    assert call("GET", "/credits", user="someone-else").body["items"] == []


def test_expired_credit_is_never_listed_or_summed(aws: Any) -> None:
    make_course()
    old = {
        "user_id": LEARNER,
        "course_id": "em",
        "topic": "Old",
        "amount": 2,
        "source_id": "o",
        "earned_at": "2020-02-29T12:00:00Z",
    }
    new = {**old, "topic": "New", "source_id": "n", "earned_at": "2026-01-10T12:00:00Z", "amount": 0.5}
    admin("POST", "/admin/credits", body={"items": [old, new]})
    items = call("GET", "/credits", user=LEARNER).body["items"]
    assert [i["topic"] for i in items] == ["New"]
    summary = call("GET", "/credits/summary", user=LEARNER).body
    assert summary["total"] == 0.5 and summary["courses"][0]["topics"] == 1
    # 29 February + 3 years is 28 February: expires exactly then, without any sweep.
    admin(
        "POST",
        "/admin/credits",
        body={"items": [{**old, "source_id": "leap", "earned_at": "2024-02-29T12:00:00Z"}]},
    )
    leap = [
        i for i in call("GET", "/credits", user=LEARNER).body["items"] if i["earned_at"].startswith("2024")
    ]
    assert leap[0]["expires_at"] == "2027-02-28T12:00:00Z"
    from datetime import UTC, datetime

    clock.set_clock(lambda: datetime(2027, 2, 28, 12, 0, 0, tzinfo=UTC))
    assert all(
        not i["earned_at"].startswith("2024") for i in call("GET", "/credits", user=LEARNER).body["items"]
    )


def test_credits_filters_pagination_and_errors(aws: Any) -> None:
    make_course()
    make_course("peds", "Pediatrics", ["AMA_PRA_1", "ABP_MOC_2"])
    items = [
        {
            "user_id": LEARNER,
            "course_id": "em" if i % 2 else "peds",
            "topic": f"T{i}",
            "amount": 1,
            "source_id": f"p-{i}",
            "earned_at": f"2026-01-{i + 1:02d}T00:00:00Z",
        }
        for i in range(7)
    ]
    admin("POST", "/admin/credits", body={"items": items})
    seen, cursor = [], None
    while True:
        query: dict[str, Any] = {"limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = call("GET", "/credits", user=LEARNER, query=query).body
        assert len(page["items"]) <= 2
        seen += [i["topic"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"T{i}" for i in range(7)]  # oldest first, each once
    abp = call("GET", "/credits", user=LEARNER, query={"credit_type": "ABP_MOC_2"}).body["items"]
    assert {i["course_id"] for i in abp} == {"peds"}
    assert call("GET", "/credits", user=LEARNER, query={"course_id": "nope"}).body["items"] == []
    # An unknown type is a 422, the empty one too (it is not the same as leaving the parameter out).
    for path in ("/credits", "/credits/summary"):
        for unknown in ("NOPE", ""):
            refused = call("GET", path, user=LEARNER, query={"credit_type": unknown})
            assert refused.status == 422 and refused.body["error"]["details"][0]["field"] == "credit_type"
    assert call("GET", "/credits", user=LEARNER, query={"limit": 201}).status == 422
    assert call("GET", "/credits", user=LEARNER, query={"cursor": "garbage"}).status == 422
    summary = call("GET", "/credits/summary", user=LEARNER, query={"credit_type": "ABP_MOC_2"}).body
    assert summary == {
        "credit_type": "ABP_MOC_2",
        "total": 4,
        "courses": [
            {
                "course_id": "peds",
                "course_title": "Pediatrics",
                "topics": 4,
                "claimable": 4,
                "next_expiry": "2029-01-01T00:00:00Z",
            }
        ],
    }


def test_membership_route(aws: Any) -> None:
    reply = admin(
        "PUT", f"/admin/members/{LEARNER}/membership", body={"premium_until": "2099-01-01T00:00:00Z"}
    )
    assert reply.body == {"premium": True, "premium_until": "2099-01-01T00:00:00Z"}
    assert call("GET", "/me", user=LEARNER).body["membership"]["premium"] is True
    off = admin("PUT", f"/admin/members/{LEARNER}/membership", body={"premium_until": None})
    assert off.body == {"premium": False, "premium_until": None}
    assert admin("PUT", f"/admin/members/{LEARNER}/membership", body={"premium_until": "soon"}).status == 422
