"""The pure renewal rules: what a learner's records become for the evaluator, chosen sets, uploads
judged on arrival, and the API's rounding of progress (issue 17)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.external_credits import (
    MAX_UPLOAD_BYTES,
    external_credit_types_view,
    new_external_credit,
    upload_refusal,
    uploaded_keys,
)
from cme_ledger.domain.model import (
    ClaimLine,
    ClaimPage,
    ClaimRecord,
    Course,
    CourseSnapshot,
    Credit,
    ExternalCredit,
    Revocation,
    StoredClaim,
)
from cme_ledger.domain.renewal import chosen_sets, claimable_credit, claimed_lines, external_lines, today_in
from cme_ledger.domain.requirements import evaluate, explanation_view, progress_view
from tests.unit.requirements_support import TOTAL_100, line, make_set

PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


def claim(
    status: str = "ready", zone: str = "UTC", lines: tuple[ClaimLine, ...] = (), credit_type: str = "ACEP"
) -> StoredClaim:
    record = ClaimRecord(
        user_id="u",
        claim_id="cl_1",
        credit_type=credit_type,
        status=status,
        request_hash="h",
        created_at="2026-01-01T00:00:00Z",
        total=Decimal(1),
        line_count=len(lines),
        chunk_count=1,
        plan=(),
        earned_from="2026-01-01T00:00:00Z",
        earned_to="2026-01-01T00:00:00Z",
        time_zone=zone,
    )
    courses = (CourseSnapshot("em", "EM", "P", "CODE-EM"), CourseSnapshot("ob", "OB", "P", "CODE-OB"))
    return StoredClaim(
        record, (ClaimPage("u", "cl_1", 0, "applied", "2026-01-01T00:00:00Z", lines, courses),)
    )


LATE_EVENING_UTC = ClaimLine("c1", "em", "T", "2026-01-01T03:00:00Z", Decimal("1.5"), ("ethics",), True)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("UTC", date(2026, 1, 1)),
        ("America/Los_Angeles", date(2025, 12, 31)),
        ("Asia/Tokyo", date(2026, 1, 1)),
    ],
)
def test_a_claim_line_counts_on_its_day_in_the_claim_s_zone(zone: str, day: date) -> None:
    [counted] = claimed_lines([claim(zone=zone, lines=(LATE_EVENING_UTC,))])
    assert (counted.earned_on, counted.credit_type, counted.amount) == (day, "ACEP", Decimal("1.5"))
    assert (counted.topics, counted.live, counted.source, counted.revoked) == (
        frozenset({"ethics"}),
        True,
        "claim",
        False,
    )


@pytest.mark.parametrize(
    ("status", "counted"),
    [("committed", 1), ("ready", 1), ("failed", 1), ("pending", 0), ("cancelled", 0), ("refused", 0)],
)
def test_only_committed_claims_count(status: str, counted: int) -> None:
    assert len(claimed_lines([claim(status=status, lines=(LATE_EVENING_UTC,))])) == counted


def test_lines_of_a_revoked_certificate_are_marked_revoked_by_course() -> None:
    ob = ClaimLine("c2", "ob", "T", "2026-01-02T00:00:00Z", Decimal(1))
    revoked = claim(lines=(LATE_EVENING_UTC, ob))
    record = replace(
        revoked.record, revocations={"CODE-OB": Revocation("CODE-OB", "Attendance not confirmed", "t")}
    )
    lines = claimed_lines([replace(revoked, record=record)])
    assert [(ln.credit_id, ln.revoked) for ln in lines] == [("c1", False), ("c2", True)]


def test_external_credit_counts_on_its_completed_day_self_reported() -> None:
    external = ExternalCredit(
        "u", "ext-1", "T", "P", "AMA_PRA_2", Decimal(20), "2025-02-01", ("ethics",), False, "t"
    )
    [counted] = external_lines([external])
    assert (counted.source, counted.earned_on, counted.credit_type, counted.self_reported) == (
        "external",
        date(2025, 2, 1),
        "AMA_PRA_2",
        True,
    )


def test_unclaimed_credit_is_offered_per_type_left_in_the_learner_s_zone() -> None:
    course = Course("em", "EM", "P", ("AMA_PRA_1", "ACEP"), topics=("ethics",), live=True)
    credit = Credit(
        "u", "c1", "em", "T", Decimal(2), "2026-01-01T03:00:00Z", "2029-01-01T03:00:00Z", "s", "r",
        claimed={"ACEP": Decimal(2), "AMA_PRA_1": Decimal("0.5")},
    )  # fmt: skip
    expired = Credit(
        "u", "c2", "em", "T", Decimal(2), "2020-01-01T00:00:00Z", "2023-01-01T00:00:00Z", "s2", "r"
    )
    now = datetime(2026, 6, 1, tzinfo=UTC)
    [offered] = claimable_credit([credit, expired], {"em": course}, now, "America/New_York")
    assert (offered.credit_type, offered.amount, offered.earned_on) == (
        "AMA_PRA_1",
        Decimal("1.5"),
        date(2025, 12, 31),
    )
    assert (offered.topics, offered.live) == (frozenset({"ethics"}), True)
    assert claimable_credit([credit], {}, now, "UTC") == []  # its course is gone: nothing to offer


def test_today_is_a_day_in_the_learner_s_zone() -> None:
    moment = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    assert today_in("Pacific/Auckland", moment) == date(2026, 6, 16)
    assert today_in("Pacific/Honolulu", moment) == date(2026, 6, 15)
    assert today_in("", moment) == date(2026, 6, 15)


def test_chosen_sets_are_known_and_each_chosen_once() -> None:
    start = date(2024, 1, 1)
    assert [c.code for c in chosen_sets([("A", start), ("B", start)], {"A", "B"})] == ["A", "B"]
    with pytest.raises(InvalidInput) as refused:
        chosen_sets([("A", start), ("X", start), ("A", start)], {"A", "B"})
    assert refused.value.details == [
        {"field": "items[1].code", "reason": "unknown requirement set"},
        {"field": "items[2].code", "reason": "already chosen at items[0]"},
    ]


def test_external_credit_completed_after_the_learner_s_today_is_refused() -> None:
    fields = {
        "title": "T",
        "provider": "P",
        "credit_type": "ACEP",
        "amount": Decimal(1),
        "completed_on": date(2026, 6, 16),
    }
    with pytest.raises(InvalidInput) as refused:
        new_external_credit("u", "ext-1", fields, date(2026, 6, 15), "2026-06-15T12:00:00Z")
    assert refused.value.details[0]["field"] == "completed_on"
    made = new_external_credit("u", "ext-1", {**fields, "topics": ["a", "a"]}, date(2026, 6, 16), "t")
    assert (made.completed_on, made.topics, made.live) == ("2026-06-16", ("a",), False)


def test_outside_only_types_follow_the_catalogue() -> None:
    codes = [t["code"] for t in external_credit_types_view()["items"]]
    assert codes[0] == "AMA_PRA_1" and codes.index("STATE") < codes.index("AMA_PRA_2")
    assert {"AOA_1A", "ABP_MOC_4", "AAFP_ELECTIVE"} <= set(codes)


@pytest.mark.parametrize(
    ("content_type", "size", "first", "refused"),
    [
        ("application/pdf", 9, PDF, None),
        ("application/pdf; charset=binary", 9, PDF, None),
        ("image/png", 10, PNG, None),
        ("IMAGE/JPEG", 10, JPEG, None),
        ("application/pdf", MAX_UPLOAD_BYTES, PDF, None),
        ("application/pdf", MAX_UPLOAD_BYTES + 1, PDF, "larger"),
        ("application/pdf", 11 * 1024 * 1024, None, "larger"),
        ("application/pdf", 0, b"", "empty"),
        ("application/pdf", 10, PNG, "not a application/pdf"),
        ("image/png", 10, JPEG, "not a image/png"),
        ("image/jpeg", 9, PDF, "not a image/jpeg"),
        ("text/html", 10, b"<html>", "type text/html"),
        ("image/svg+xml", 10, b"<svg", "type image/svg+xml"),
        (None, 10, PDF, "type unknown"),
        ("application/pdf", 3, b"%PD", "not a application/pdf"),  # shorter than its magic
        ("application/pdf", 9, None, None),  # metadata alone: nothing against it yet
    ],
)
def test_an_upload_is_judged_by_size_type_and_first_bytes(
    content_type: str | None, size: int, first: bytes | None, refused: str | None
) -> None:
    reason = upload_refusal(content_type, size, first)
    assert (reason is None) if refused is None else (reason is not None and refused in reason), reason


def test_the_uploaded_keys_of_an_s3_event_are_decoded() -> None:
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"object": {"key": "external/a%2Bb+c/ext-1", "size": 3}},
            },
            {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "external/u/ext-2"}}},
        ]
    }
    assert uploaded_keys(json.dumps(event)) == ["external/a+b c/ext-1"]
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}
    for body in (json.dumps(test_event), "not json", "[]", json.dumps({"Records": "x"})):
        assert uploaded_keys(body) == []


def test_progress_figures_go_out_to_the_cent_never_overstated() -> None:
    weighted = make_set(
        [
            TOTAL_100,
            {
                "rule": "sa",
                "kind": "weight",
                "factor": Decimal("1.5"),
                "topics": ["self_assessment"],
                "description": "x1.5",
            },
        ]
    )
    lines = [line("l1", "AMA_PRA_1", "0.25", "2024-03-01", ["self_assessment"])]
    progress = evaluate(weighted, date(2024, 1, 1), date(2024, 6, 1), lines)
    assert progress.rules[0].counted == Decimal("0.375")  # exact inside the evaluator
    total, weight = progress_view(progress)["rules"]
    assert (total["counted"], total["remaining"]) == (Decimal("0.37"), Decimal("99.63"))
    assert total["counted"] + total["remaining"] == total["required"]
    assert (weight["required"], weight["counted"], weight["remaining"], weight["met"]) == (
        None,
        Decimal("0.37"),
        None,
        True,
    )
    assert set(total) == {"rule", "description", "required", "counted", "remaining", "met"}

    explained = explanation_view(progress, weighted, lines=True)
    rule = explained["rules"][0]
    assert (rule["kind"], rule["counted"], rule["remaining"]) == (
        "total",
        Decimal("0.375"),
        Decimal("99.625"),
    )
    assert rule["lines"][0]["weighted"] == Decimal("0.375") and rule["lines"][0]["weight_rule"] == "sa"
    assert (
        explained["checked"] == "2026-12-02"
        and "lines" not in explanation_view(progress, weighted, False)["rules"][0]
    )
