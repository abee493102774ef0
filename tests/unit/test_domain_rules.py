"""DESIGN.md's rules through the pure domain: plain data in, decisions out; no AWS, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cme_ledger.domain.audit import Ledger, board_problems, certificate_problems, ledger_problems
from cme_ledger.domain.board_reports import render_file, report_lines
from cme_ledger.domain.catalog import new_course
from cme_ledger.domain.claim_decision import (
    ClaimInput,
    Selection,
    check_claimant,
    decide_all,
    decide_selections,
    diagnose,
    planned_line,
    prepared,
    refusal_record,
    stored_refusal,
)
from cme_ledger.domain.claim_views import certificates, claim_view, list_item_view
from cme_ledger.domain.credits import NewCredit, build_credit, claimable, is_expired, list_page, summary
from cme_ledger.domain.errors import (
    BoardIdRequired,
    CreditsUnavailable,
    InvalidInput,
    MembershipRequired,
    NothingToClaim,
)
from cme_ledger.domain.model import (
    BoardEntry,
    ClaimLine,
    ClaimPage,
    ClaimRecord,
    Course,
    CourseSnapshot,
    Credit,
    Profile,
    StoredClaim,
)
from cme_ledger.domain.profiles import display_name_of, profile_view
from cme_ledger.domain.times import iso

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EM = Course("em", "Emergency Medicine", "Academy", ("AMA_PRA_1", "ACEP"))
PEDS = Course("peds", "Pediatrics", "Academy", ("AMA_PRA_1", "ABP_MOC_2"), pars_activity_id="PARS-1")
COURSES = {c.course_id: c for c in (EM, PEDS)}
PREMIUM = Profile("ada", display_name="Dr. Ada", degree="MD", premium_until="2099-01-01T00:00:00Z")


def credit(credit_id: str, amount: str = "1.5", course: Course = EM, **extra: object) -> Credit:
    fields: dict[str, object] = {
        "user_id": "ada",
        "credit_id": credit_id,
        "course_id": course.course_id,
        "topic": f"Topic {credit_id}",
        "amount": Decimal(amount),
        "earned_at": "2026-01-15T10:00:00Z",
        "expires_at": "2029-01-15T10:00:00Z",
        "source_id": f"s-{credit_id}",
        "recorded_at": "2026-01-15T10:00:00Z",
        "indexed": True,
        **extra,
    }
    return Credit(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- credit, expiry, windows


def test_a_claim_window_of_n_years_is_n_calendar_years() -> None:
    leap = NewCredit("ada", "em", "T", Decimal("1"), "s", datetime(2024, 2, 29, 9, 0, tzinfo=UTC))
    one_year = build_credit(leap, new_course("x", "X", "P", ["AMA_PRA_1"], 1, None), NOW, "00")
    assert one_year.expires_at == "2025-02-28T09:00:00Z"
    assert one_year.credit_id.startswith("20240229T090000Z-")


def test_old_credit_is_recorded_expired_with_everything_unclaimed() -> None:
    old = build_credit(
        NewCredit("ada", "em", "T", Decimal("2"), "s", NOW - timedelta(days=4 * 365)), EM, NOW, "00"
    )
    assert old.expired_at == iso(NOW) and not old.indexed
    assert old.unclaimed_at_expiry == {"AMA_PRA_1": Decimal("2"), "ACEP": Decimal("2")}


def test_a_credit_is_unclaimable_from_its_expiry_instant_whether_or_not_swept() -> None:
    c = credit("a", expires_at=iso(NOW))
    assert is_expired(c, NOW) and claimable(c, EM, NOW) == {}
    assert claimable(c, EM, NOW - timedelta(seconds=1)) == {
        "AMA_PRA_1": Decimal("1.5"),
        "ACEP": Decimal("1.5"),
    }


def test_claimable_is_per_type_and_leaves_out_types_with_nothing_left() -> None:
    c = credit("a", claimed={"AMA_PRA_1": Decimal("1.5"), "ACEP": Decimal("0.5")})
    assert claimable(c, EM, NOW) == {"ACEP": Decimal("1.0")}


def test_listing_pages_end_at_the_last_item_returned() -> None:
    credits = [credit(f"c{i}") for i in range(5)] + [
        credit("gone", claimed={"AMA_PRA_1": Decimal("1.5"), "ACEP": Decimal("1.5")})
    ]
    items, after = list_page(credits, COURSES, NOW, credit_type=None, course_id=None, limit=2)
    assert [i["credit_id"] for i in items] == ["c0", "c1"] and after == "c1"
    items, after = list_page(credits[2:], COURSES, NOW, credit_type="ACEP", course_id=None, limit=10)
    assert [i["credit_id"] for i in items] == ["c2", "c3", "c4"] and after is None


def test_the_summary_groups_by_course_in_title_order() -> None:
    credits = [credit("p", course=PEDS), credit("e1"), credit("e2", expires_at="2029-01-01T00:00:00Z")]
    answer = summary(credits, COURSES, NOW, None)
    assert [c["course_id"] for c in answer["courses"]] == ["em", "peds"]
    assert answer["total"] == Decimal("4.5") and answer["courses"][0]["next_expiry"] == "2029-01-01T00:00:00Z"


# ---------------------------------------------------------------------- claims: refusals in order


def test_membership_comes_before_the_board_fields() -> None:
    with pytest.raises(MembershipRequired):
        check_claimant(Profile("ada", premium_until="2026-06-01T12:00:00Z"), "ABP_MOC_2", NOW)
    with pytest.raises(BoardIdRequired) as refused:
        check_claimant(PREMIUM, "ABP_MOC_2", NOW)
    assert [d["field"] for d in refused.value.details] == [
        "board_ids.ABP",
        "birth_month_day",
        "first_name",
        "last_name",
    ]
    complete = Profile(
        "ada",
        first_name="A",
        last_name="L",
        board_ids={"ABP": "1234"},
        birth_month_day="02-29",
        premium_until="2099-01-01T00:00:00Z",
    )
    assert check_claimant(complete, "ABP_MOC_2", NOW) is complete


def test_type_not_offered_and_amount_step_are_422_before_any_409() -> None:
    found = {
        "a": credit("a"),
        "p": credit("p", course=PEDS),
        "done": credit("done", claimed={"ACEP": Decimal("1.5")}),
    }
    selections = [
        Selection("done", None),
        Selection("p", None),
        Selection("a", Decimal("0.3")),
        Selection("x", None),
    ]
    with pytest.raises(InvalidInput) as refused:
        decide_selections("ACEP", selections, found, COURSES, NOW)
    assert refused.value.details == [
        {"field": "selections[1].credit_id", "reason": "course does not offer ACEP"},
        {"field": "selections[2].amount", "reason": "not a multiple of 0.25 nor the whole remainder"},
    ]
    with pytest.raises(CreditsUnavailable) as unavailable:
        decide_selections(
            "ACEP",
            [Selection("done", None), Selection("x", None), Selection("a", Decimal("1.75"))],
            found,
            COURSES,
            NOW,
        )
    assert unavailable.value.details == [
        {"credit_id": "done", "reason": "claimed"},
        {"credit_id": "x", "reason": "unknown"},
        {"credit_id": "a", "reason": "insufficient"},
    ]


@pytest.mark.parametrize(
    ("asked", "left", "ok"),
    [("0.25", "1.5", True), ("0.3", "1.5", False), ("0.3", "0.3", True), ("1.5", "1.5", True)],
)
def test_a_part_is_a_multiple_of_a_quarter_or_the_whole_remainder(asked: str, left: str, ok: bool) -> None:
    c = credit("a", amount=left)
    if ok:
        assert decide_selections("AMA_PRA_1", [Selection("a", Decimal(asked))], {"a": c}, COURSES, NOW) == [
            (c, Decimal(asked))
        ]
    else:
        with pytest.raises(InvalidInput):
            decide_selections("AMA_PRA_1", [Selection("a", Decimal(asked))], {"a": c}, COURSES, NOW)


def test_all_takes_everything_claimable_of_the_type_or_is_nothing_to_claim() -> None:
    credits = [
        credit("a"),
        credit("b", claimed={"AMA_PRA_1": Decimal("1")}),
        credit("old", expires_at="2020-01-01T00:00:00Z"),
    ]
    assert [(c.credit_id, amount) for c, amount in decide_all("AMA_PRA_1", credits, COURSES, NOW)] == [
        ("a", Decimal("1.5")),
        ("b", Decimal("0.5")),
    ]
    with pytest.raises(NothingToClaim):
        decide_all("ABP_MOC_2", credits, COURSES, NOW)


def test_a_line_that_fills_every_offered_type_leaves_the_expiry_index() -> None:
    half = credit("a", claimed={"ACEP": Decimal("1.5")})
    assert planned_line(half, EM, "AMA_PRA_1", Decimal("1.5")).fills
    assert not planned_line(half, EM, "AMA_PRA_1", Decimal("1")).fills
    assert not planned_line(credit("b"), EM, "AMA_PRA_1", Decimal("1.5")).fills


def test_the_display_name_is_the_learners_or_the_tokens_until_they_set_one() -> None:
    assert display_name_of(Profile("ada"), "Dr. Token") == "Dr. Token"
    assert display_name_of(PREMIUM, "Dr. Token") == "Dr. Ada"
    assert profile_view("new", None, NOW, "Dr. Token")["display_name"] == "Dr. Token"
    plan = prepared(
        Profile("ada", premium_until="2099-01-01T00:00:00Z"),
        "Dr. Token",
        "AMA_PRA_1",
        [(credit("a"), Decimal("1"))],
        COURSES,
    )
    assert plan.display_name == "Dr. Token" and plan.total == Decimal("1")


def test_a_refused_chunk_is_explained_credit_by_credit() -> None:
    found = {
        "a": credit("a", expires_at=iso(NOW)),
        "b": credit("b", parts={"cl_x": ("AMA_PRA_1", Decimal("1"))}),
    }
    refusal = diagnose(
        "cl_x", "AMA_PRA_1", {"a": Decimal("1"), "b": Decimal("1"), "z": Decimal("1")}, found, COURSES, NOW
    )
    assert refusal.details == [
        {"credit_id": "a", "reason": "expired"},
        {"credit_id": "z", "reason": "unknown"},
    ]


def test_a_refusal_is_kept_and_given_again_as_it_was() -> None:
    request = ClaimInput("AMA_PRA_1", True, (), {"credit_type": "AMA_PRA_1", "all": True})
    kept = refusal_record(
        "ada",
        "cl_1",
        request,
        "h",
        CreditsUnavailable(details=[{"credit_id": "a", "reason": "claimed"}]),
        NOW,
    )
    again = stored_refusal(kept)
    assert isinstance(again, CreditsUnavailable) and again.details == [
        {"credit_id": "a", "reason": "claimed"}
    ]


# ---------------------------------------------------------------------- certificates and views


def _stored(lines: list[ClaimLine], courses: list[CourseSnapshot], **record: object) -> StoredClaim:
    fields: dict[str, object] = {
        "user_id": "ada",
        "claim_id": "cl_1",
        "credit_type": "AMA_PRA_1",
        "status": "ready",
        "request_hash": "h",
        "created_at": "2026-06-01T12:00:00Z",
        "claimed_at": "2026-06-01T12:00:01Z",
        "total": sum((ln.amount for ln in lines), Decimal(0)),
        "line_count": len(lines),
        "chunk_count": 1,
        "plan": (),
        "earned_from": min(ln.earned_at for ln in lines),
        "earned_to": max(ln.earned_at for ln in lines),
        "course_titles": tuple(sorted(c.title for c in courses)),
        **record,
    }
    page = ClaimPage("ada", "cl_1", 0, "applied", "2026-06-01T12:00:00Z", tuple(lines), tuple(courses))
    return StoredClaim(ClaimRecord(**fields), (page,))  # type: ignore[arg-type]


def test_one_certificate_per_course_in_title_order_topics_by_date() -> None:
    lines = [
        ClaimLine("b2", "burns", "Escharotomy", "2026-03-01T00:00:00Z", Decimal("1")),
        ClaimLine("a1", "airway", "RSI", "2026-02-01T00:00:00Z", Decimal("0.5")),
        ClaimLine("b1", "burns", "Fluids", "2026-01-01T00:00:00Z", Decimal("0.25")),
    ]
    stored = _stored(
        lines,
        [CourseSnapshot("burns", "Burns", "P", "B-CODE"), CourseSnapshot("airway", "Airway", "P", "A-CODE")],
    )
    view = claim_view(stored)
    assert [c["course_title"] for c in view["certificates"]] == ["Airway", "Burns"]
    assert [t["topic"] for t in view["certificates"][1]["topics"]] == ["Fluids", "Escharotomy"]
    assert (
        view["certificates"][1]["total"] == Decimal("1.25")
        and view["certificates"][1]["certificate_code"] == "B-CODE"
    )
    assert list_item_view(stored.record)["course_titles"] == ["Airway", "Burns"]
    assert certificates(lines, {}, False)[0]["course_title"] == "airway"  # an unknown course shows its id


def test_the_first_answer_is_processing_whatever_the_claim_became() -> None:
    stored = _stored(
        [ClaimLine("a", "em", "T", "2026-01-01T00:00:00Z", Decimal("1"))],
        [CourseSnapshot("em", "EM", "P", "C")],
        sha256="0" * 64,
    )
    first = claim_view(stored, first_answer=True)
    assert (
        first["status"] == "processing" and first["sha256"] is None and first["evaluation_submitted"] is False
    )


def test_abp_report_lines_need_every_courses_pars_activity_id() -> None:
    line = ClaimLine("a", "peds", "T", "2026-01-02T03:00:00Z", Decimal("1.5"))
    stored = _stored(
        [line],
        [CourseSnapshot("peds", "Peds", "P", "C")],
        credit_type="ABP_MOC_2",
        first_name="Pat",
        last_name="Lee",
        abp_id="1234",
        birth_month_day="03-04",
    )
    rows = report_lines(stored, COURSES)
    assert rows is not None
    assert render_file(rows).decode().splitlines()[1].split("\t") == [
        "A",
        "PARS-1",
        "2026-01-02",
        "Pat",
        "Lee",
        "03/04",
        "ABP",
        "1234",
        "1.5",
    ]
    assert report_lines(stored, {"peds": Course("peds", "Peds", "P", ("ABP_MOC_2",))}) is None


# ---------------------------------------------------------------------- the audit's checks


def test_the_audit_finds_over_claims_cancelled_parts_late_lines_and_missing_pdfs() -> None:
    claim = _stored(
        [ClaimLine("a", "em", "T", "2026-01-01T00:00:00Z", Decimal("1"))],
        [CourseSnapshot("em", "EM", "P", "C")],
        status="committed",
    )
    late = ClaimPage("ada", "cl_1", 0, "applied", "2029-01-15T10:00:00Z", claim.pages[0].lines, ())
    ledger = Ledger(
        credits={
            ("ada", "a"): credit(
                "a",
                amount="1",
                claimed={"AMA_PRA_1": Decimal("2")},
                parts={"cl_1": ("AMA_PRA_1", Decimal("1")), "cl_gone": ("AMA_PRA_1", Decimal("1"))},
            ),
        },
        claims={
            ("ada", "cl_1"): claim.record,
            ("ada", "cl_gone"): ClaimRecord(
                "ada", "cl_gone", "AMA_PRA_1", "cancelled", "h", "x", Decimal(0), 0, 0, (), "x", "x"
            ),
        },
        pages=[late],
    )
    problems = ledger_problems(ledger)
    assert any("part of cancelled claim cl_gone" in p for p in problems)
    assert any("exceeds amount" in p for p in problems)
    assert any("after its expiry" in p for p in problems)
    assert certificate_problems([claim.record], {}, "2026-06-02T00:00:00Z") == [
        "claim cl_1: committed at 2026-06-01T12:00:01Z, no certificate yet"
    ]
    waiting = BoardEntry("ada", "cl_1", "2026-05-01T00:00:00Z", queued=True)
    assert board_problems([waiting], ledger.claims, "2026-05-25T00:00:00Z") and not board_problems(
        [waiting], ledger.claims, "2026-04-25T00:00:00Z"
    )
