"""Defects found by attacking version 1 from the outside (issue 12), each pinned where it belongs:
through the real handlers under moto, with the interleavings forced, never timed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from cme_ledger import clock, runtime
from cme_ledger.services.audit import audit
from cme_ledger.store import credits as credit_store
from cme_ledger.store.db import client, table_name
from cme_ledger.store.learner import read_learner
from tests.support import admin, build_credits, call, make_course, make_premium, seed_credits

NO_RENDERING = 10**7  # minutes: these tests deliver no render messages
LEARNER = "learner-1"
T0 = datetime(2026, 6, 1, 12, 0, 0, tzinfo=clock.parse_iso("2026-01-01T00:00:00Z").tzinfo)


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def claim(body: dict[str, Any], key: str | None = None, user: str = LEARNER, name: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else None
    return call("POST", "/claims", user=user, body=body, headers=headers, name=name)


def put_course(course_id: str, title: str, **extra: Any) -> Any:
    body = {"title": title, "provider": "CME Ledger Academy", "credit_types": ["AMA_PRA_1"], **extra}
    return admin("PUT", f"/admin/courses/{course_id}", body=body)


def record(user: str, course_id: str, topic: str, earned_at: str, source_id: str, amount: float = 1) -> str:
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": user,
                    "course_id": course_id,
                    "topic": topic,
                    "amount": amount,
                    "source_id": source_id,
                    "earned_at": earned_at,
                }
            ]
        },
    )
    assert reply.status == 201, reply
    return str(reply.body["items"][0]["credit_id"])


@pytest.fixture
def steps() -> Iterator[list[Any]]:
    """Install a hook on the claim protocol's steps (the crash tests' hook); removed afterwards."""
    hooks: list[Any] = []

    def fault(name: str) -> None:
        for hook in hooks:
            hook(name)

    runtime.set_fault(fault)
    yield hooks
    runtime.set_fault(None)


# ---------------------------------------------------------------------- 1. the clock of a long claim


def test_a_credit_whose_window_closes_while_a_long_claim_runs_is_not_taken(
    aws: Any, steps: list[Any]
) -> None:
    """99 credits of a course whose title sorts first fill the first chunk; the second chunk holds
    one credit of a 1-year course whose window closes 5 s after the claim starts. The clock passes
    that instant between the chunks: the second write must be refused, so the claim is undone."""
    at(T0 - timedelta(days=30))
    make_course("aaa", "Aardvark medicine")
    put_course("short", "Zoology", claim_window_years=1)
    make_premium(LEARNER)
    seed_credits(LEARNER, "aaa", 99, earned_at="2026-05-01T10:00:00Z")
    closing = record(
        LEARNER, "short", "Late topic", clock.iso(T0 - timedelta(days=365) + timedelta(seconds=5)), "z"
    )
    at(T0)

    def time_passes(name: str) -> None:
        if name == "chunk:0":
            at(T0 + timedelta(seconds=10))

    steps.append(time_passes)
    refused = claim({"all": True}, "long")
    assert refused.status == 409, refused
    assert refused.body["error"]["details"] == [{"credit_id": closing, "reason": "expired"}]
    assert all(not c.claimed.get("AMA_PRA_1") for c in read_learner(LEARNER).credits)
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_the_audit_reports_a_line_applied_at_or_after_its_credits_expiry(aws: Any) -> None:
    at(T0)
    make_course()
    make_premium(LEARNER)
    [credit_id] = seed_credits(LEARNER, "em", 1, earned_at="2026-05-01T10:00:00Z")
    assert claim({"all": True}, "k").status == 201
    credit = credit_store.get_credits(LEARNER, [credit_id])[credit_id]
    # What the defect left behind: a page stamped at (or after) the credit's expiry instant.
    [page] = [item for item in _claim_items(LEARNER) if item["kind"]["S"] == "claim_lines"]
    client().update_item(
        TableName=table_name(),
        Key={"pk": page["pk"], "sk": page["sk"]},
        UpdateExpression="SET applied_at = :t",
        ExpressionAttributeValues={":t": {"S": credit.expires_at}},
    )
    problems = audit(render_grace_minutes=NO_RENDERING)
    assert any(credit_id in p and "after its expiry" in p for p in problems), problems


def _claim_items(user_id: str) -> list[dict[str, Any]]:
    reply = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
        ExpressionAttributeValues={":p": {"S": f"USER#{user_id}"}, ":c": {"S": "CLAIM#"}},
    )
    return list(reply["Items"])


# ---------------------------------------------------------------------- 2. claims at API.md's maxima


def test_a_claim_of_long_texts_over_many_courses_succeeds_and_reads_back_whole(aws: Any) -> None:
    """300-character topics and titles of 4-byte characters over 100 courses: far more than one 400 KB
    item. The claim succeeds, and its answer, its read-back and its listing carry every text whole."""
    at(T0)
    make_premium(LEARNER)
    topic_char, title_char = "\U0001d504", "\U0001d517"  # Fraktur A and T: 4 bytes each in UTF-8
    courses = 100
    for i in range(courses):
        title = f"{i:03d}" + title_char * 297
        reply = admin(
            "PUT",
            f"/admin/courses/c{i:03d}",
            body={"title": title, "provider": "\U0001d4ab" * 200, "credit_types": ["AMA_PRA_1"]},
        )
        assert reply.status == 200, reply
        record(LEARNER, f"c{i:03d}", f"{i:03d}" + topic_char * 297, "2026-05-01T10:00:00Z", f"s{i}")
    made = claim({"all": True}, "max")
    assert made.status == 201, made
    assert len(made.body["certificates"]) == courses
    assert all(
        len(c["course_title"]) == 300 and len(c["topics"][0]["topic"]) == 300
        for c in made.body["certificates"]
    )
    pages = [item for item in _claim_items(LEARNER) if item["kind"]["S"] == "claim_lines"]
    assert len(pages) >= 2  # cut by bytes before 99 lines
    read = call("GET", f"/claims/{made.body['claim_id']}")
    assert read.status == 200 and read.body["certificates"] == made.body["certificates"]
    listed = call("GET", "/claims")
    assert listed.body["items"][0]["course_titles"] == [c["course_title"] for c in made.body["certificates"]]
    assert audit(render_grace_minutes=NO_RENDERING) == []


# ---------------------------------------------------------------------- 3, 4, 8. profiles


def test_a_membership_change_landing_during_put_me_is_kept(aws: Any) -> None:
    """The admin revokes membership between PUT /me's start and its write to DynamoDB."""
    make_premium(LEARNER)
    landed: list[str] = []

    def revoke_first(**kwargs: Any) -> None:
        params = kwargs.get("params") or {}
        if not landed and "PROFILE" in str(params.get("Key", params.get("Item", ""))):
            landed.append("revoked")
            reply = admin("PUT", f"/admin/members/{LEARNER}/membership", body={"premium_until": None})
            assert reply.status == 200, reply

    events = client().meta.events
    for operation in ("PutItem", "UpdateItem"):
        events.register(f"before-parameter-build.dynamodb.{operation}", revoke_first)
    try:
        reply = call("PUT", "/me", body={"display_name": "Dr. Ada Quill", "degree": "MD"})
    finally:
        for operation in ("PutItem", "UpdateItem"):
            events.unregister(f"before-parameter-build.dynamodb.{operation}", revoke_first)
    assert landed == ["revoked"]
    assert reply.status == 200, reply
    me = call("GET", "/me")
    assert me.body["membership"] == {"premium": False, "premium_until": None}
    assert me.body["display_name"] == "Dr. Ada Quill" and me.body["degree"] == "MD"


def test_granting_membership_keeps_the_tokens_name_on_the_profile_claim_and_verify(aws: Any) -> None:
    make_course()
    make_premium("newcomer")
    me = call("GET", "/me", user="newcomer", name="Dr. Token Name")
    assert me.body["display_name"] == "Dr. Token Name"
    seed_credits("newcomer", "em", 1)
    made = claim({"all": True}, "k", user="newcomer", name="Dr. Token Name")
    assert made.status == 201 and made.body["display_name"] == "Dr. Token Name"
    code = made.body["certificates"][0]["certificate_code"]
    assert call("GET", f"/verify/{code}", user=None).body["learner_name"] == "Dr. Token Name"
    # Once the learner sets a name, theirs stands.
    call("PUT", "/me", user="newcomer", name="Dr. Token Name", body={"display_name": "Dr. Chosen"})
    assert call("GET", "/me", user="newcomer", name="Dr. Token Name").body["display_name"] == "Dr. Chosen"


def test_board_ids_null_clears_every_board_id(aws: Any) -> None:
    call("PUT", "/me", body={"display_name": "Dr. B", "board_ids": {"ABP": "1234567", "ABIM": "X1"}})
    cleared = call("PUT", "/me", body={"display_name": "Dr. B", "board_ids": None})
    assert cleared.status == 200 and cleared.body["board_ids"] == {}
    assert call("GET", "/me").body["board_ids"] == {}


def test_board_ids_merge_per_board_on_a_profile_made_by_a_membership_grant(aws: Any) -> None:
    make_premium(LEARNER)
    call("PUT", "/me", body={"display_name": "Dr. B", "board_ids": {"ABP": "1234567"}})
    merged = call("PUT", "/me", body={"display_name": "Dr. B", "board_ids": {"ABIM": "X1"}})
    assert merged.body["board_ids"] == {"ABP": "1234567", "ABIM": "X1"}
    removed = call("PUT", "/me", body={"display_name": "Dr. B", "board_ids": {"ABP": None}})
    assert removed.body["board_ids"] == {"ABIM": "X1"}
    assert removed.body["membership"]["premium"] is True


# ---------------------------------------------------------------------- 5, 7, 9. input


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/me", '{"display_name": "Dr. N", "degree": ' + HUGE + "}"),
        ("POST", "/claims", '{"credit_type": ' + HUGE + ', "all": true}'),
        ("POST", "/claims/preview", '{"all": ' + HUGE + "}"),
        (
            "PUT",
            "/admin/courses/x",
            '{"title": "T", "provider": "P", "credit_types": ["ACEP"], "claim_window_years": -' + HUGE + "}",
        ),
        ("PUT", "/admin/members/m/membership", '{"premium_until": ' + HUGE + "}"),
    ],
    ids=["profile", "claim", "preview", "course", "membership"],
)
def test_an_integer_of_thousands_of_digits_is_a_422_not_a_500(
    aws: Any, method: str, path: str, body: str
) -> None:
    reply = call(method, path, raw_body=body, admin=path.startswith("/admin"))
    assert reply.status == 422, reply
    assert reply.error_code == "validation_error"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Dr.\x00Null", "U+0000"),
        ("Dr. Line\nBreak", "U+000A"),
        ("Dr. \u202eevE", "U+202E"),
        ("Dr. \u2066x", "U+2066"),
    ],
)
def test_names_titles_and_topics_refuse_control_and_bidi_override_characters(
    aws: Any, text: str, shown: str
) -> None:
    me = call("PUT", "/me", body={"display_name": text})
    assert me.status == 422 and me.body["error"]["details"][0]["field"] == "display_name", me
    assert shown in me.body["error"]["details"][0]["reason"]
    course = put_course("c1", text)
    assert course.status == 422 and course.body["error"]["details"][0]["field"] == "title", course
    make_course()
    credit = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [{"user_id": LEARNER, "course_id": "em", "topic": text, "amount": 1, "source_id": "s"}]
        },
    )
    assert credit.status == 422 and credit.body["error"]["details"][0]["field"] == "items[0].topic", credit
    # Free text keeps its line breaks, never a bidi override.
    assert put_course("c2", "Ordinary title").status == 200


def test_evaluation_comments_keep_line_breaks_but_not_bidi_overrides(aws: Any) -> None:
    make_course()
    make_premium(LEARNER)
    seed_credits(LEARNER, "em", 1)
    made = claim({"all": True}, "k")
    body = {"ratings": {"overall": 5, "relevance": 4, "quality": 5}, "free_of_bias": True}
    path = f"/claims/{made.body['claim_id']}/evaluation"
    bad = call("POST", path, body={**body, "comments": "fine\u202e"})
    assert bad.status == 422 and bad.body["error"]["details"][0]["field"] == "comments"
    assert call("POST", path, body={**body, "comments": "Line one.\nLine two."}).status == 201


@pytest.mark.parametrize("value", [1, "true", 1.0])
def test_all_must_be_the_json_boolean_true(aws: Any, value: Any) -> None:
    make_premium(LEARNER)
    reply = claim({"all": value})
    assert reply.status == 422, reply
    assert reply.body["error"]["details"][0]["field"] == "all"


@pytest.mark.parametrize("path", ["/credits", "/claims"])
def test_an_empty_cursor_is_a_422_naming_the_cursor(aws: Any, path: str) -> None:
    reply = call("GET", path, query={"cursor": ""})
    assert reply.status == 422, reply
    assert reply.body["error"]["details"] == [{"field": "cursor", "reason": "invalid cursor"}]


def test_a_repeated_credit_id_names_the_repeated_line(aws: Any) -> None:
    reply = claim({"selections": [{"credit_id": "a"}, {"credit_id": "a"}, {"credit_id": "b"}]})
    assert reply.status == 422, reply
    assert reply.body["error"]["details"] == [
        {"field": "selections[1].credit_id", "reason": "already selected at selections[0]"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"all": True, "selections": [{"credit_id": "a"}]}, "all"), ({"credit_type": "ACEP"}, "selections")],
)
def test_all_or_selections_refusals_name_a_field(aws: Any, body: dict[str, Any], field: str) -> None:
    reply = claim(body)
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == field, reply


# ---------------------------------------------------------------------- 10. ABP without an activity id


def test_a_course_offering_abp_moc_needs_its_pars_activity_id(aws: Any) -> None:
    reply = admin(
        "PUT",
        "/admin/courses/peds",
        body={"title": "Peds", "provider": "P", "credit_types": ["AMA_PRA_1", "ABP_MOC_2"]},
    )
    assert reply.status == 422, reply
    assert reply.body["error"]["details"] == [
        {"field": "pars_activity_id", "reason": "required when the course offers ABP_MOC_2"}
    ]


def test_abp_lines_held_back_are_listed_by_the_audit_and_go_out_once_the_course_has_its_id(aws: Any) -> None:
    from cme_ledger.services.board_reports import write_abp_report
    from cme_ledger.store.models import Course

    at(T0)
    # A course stored before the rule (written directly, as the API now refuses it).
    Course(
        pk="CATALOG",
        sk="COURSE#peds",
        course_id="peds",
        title="Peds",
        provider="P",
        credit_types=["ABP_MOC_2"],
    ).save()
    make_premium(LEARNER)
    call(
        "PUT",
        "/me",
        body={
            "display_name": "Dr. P",
            "first_name": "Pat",
            "last_name": "Lee",
            "board_ids": {"ABP": "1234567"},
            "birth_month_day": "03-04",
        },
    )
    seed_credits(LEARNER, "peds", 2)
    made = claim({"credit_type": "ABP_MOC_2", "all": True}, "abp")
    assert made.status == 201 and made.body["board_report"] == {"board": "ABP", "status": "queued"}
    assert write_abp_report() == {"lines": 0, "report_key": None}
    assert not [p for p in audit(render_grace_minutes=NO_RENDERING) if "ABP" in p]
    at(T0 + timedelta(days=8))
    problems = audit(render_grace_minutes=NO_RENDERING)
    assert any(made.body["claim_id"] in p and "ABP" in p for p in problems), problems
    fixed = admin(
        "PUT",
        "/admin/courses/peds",
        body={"title": "Peds", "provider": "P", "credit_types": ["ABP_MOC_2"], "pars_activity_id": "PARS-1"},
    )
    assert fixed.status == 200
    sent = write_abp_report()
    assert sent["lines"] == 2 and sent["report_key"]
    assert not [p for p in audit(render_grace_minutes=NO_RENDERING) if "ABP" in p]


# ---------------------------------------------------------------------- 11. undoing after expiry


def test_an_undone_claim_marks_a_credit_expired_meanwhile_instead_of_reindexing_it(
    aws: Any, steps: list[Any]
) -> None:
    """A claim fills a credit (taking it out of the expiry index), the window closes, and the claim is
    undone (a rival took another of its credits): the credit is marked expired, not put back into
    an index day the sweep has finished with."""
    at(T0 - timedelta(days=30))
    put_course("aaa", "Aardvark medicine", claim_window_years=1)
    make_course("zoo", "Zoology")
    make_premium(LEARNER)
    first = seed_credits(LEARNER, "aaa", 99, earned_at="2026-05-01T10:00:00Z")
    closing = record(
        LEARNER, "aaa", "Closing", clock.iso(T0 - timedelta(days=365) + timedelta(seconds=5)), "c"
    )
    rival_target = record(LEARNER, "zoo", "Taken by a rival", "2026-05-02T10:00:00Z", "r")
    at(T0)
    rivals: list[str] = []

    def rival_then_time(name: str) -> None:
        if name == "chunk:0" and not rivals:
            rivals.append("rival")
            at(T0 + timedelta(seconds=10))
            assert claim({"selections": [{"credit_id": rival_target}]}, "rival").status == 201

    steps.append(rival_then_time)
    refused = claim({"selections": [{"credit_id": c} for c in [*first, closing, rival_target]]}, "big")
    assert refused.status == 409, refused
    credit = credit_store.get_credits(LEARNER, [closing])[closing]
    assert credit.claimed.get("AMA_PRA_1", 0) == 0
    assert not credit.indexed
    assert credit.expired_at == clock.iso(T0 + timedelta(seconds=10))
    assert credit.unclaimed_at_expiry == {"AMA_PRA_1": 1}
    still_open = credit_store.get_credits(LEARNER, first[:1])[first[0]]
    assert still_open.indexed and still_open.expired_at is None
    assert audit(render_grace_minutes=NO_RENDERING) == []


@pytest.mark.slow
def test_a_claim_at_the_maxima_of_api_md_succeeds(aws: Any) -> None:
    """5,000 selections with 300-character topics over 50 courses with 300-character titles (make
    test-slow: minutes under moto). The item-size checks of every page at 5,000 courses are in
    test_claim_item_sizes.py."""

    at(T0)
    make_premium(LEARNER)
    for course in range(50):
        title = f"{course:02d}" + "\U0001d517" * 298
        reply = admin(
            "PUT",
            f"/admin/courses/m{course:02d}",
            body={"title": title, "provider": "P" * 200, "credit_types": ["AMA_PRA_1"]},
        )
        assert reply.status == 200
    built = build_credits(
        [
            (LEARNER, f"m{i % 50:02d}", f"{i:04d}" + "\U0001d504" * 296, Decimal("1"), f"s{i}")
            for i in range(5000)
        ],
        T0 - timedelta(days=1),
        T0,
    )
    made = claim({"selections": [{"credit_id": c.credit_id} for c in built]}, "max")
    assert made.status == 201, made
    assert sum(len(c["topics"]) for c in made.body["certificates"]) == 5000
    assert audit(render_grace_minutes=NO_RENDERING) == []
