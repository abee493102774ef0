"""Courses and the credit types they offer. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.model import Course

DEFAULT_CLAIM_WINDOW_YEARS = 3
ABP_MOC_2 = "ABP_MOC_2"


def credit_types_view() -> dict[str, Any]:
    return {"items": [{"code": t.code, "label": t.label, "unit": t.unit} for t in CREDIT_TYPES.values()]}


def course_view(course: Course) -> dict[str, Any]:
    view: dict[str, Any] = {
        "course_id": course.course_id,
        "title": course.title,
        "provider": course.provider,
        "credit_types": list(course.credit_types),
        "claim_window_years": int(course.claim_window_years),
        "topics": list(course.topics),
        "live": course.live,
    }
    if course.pars_activity_id:
        view["pars_activity_id"] = course.pars_activity_id
    return view


def courses_view(courses: Iterable[Course]) -> dict[str, Any]:
    ordered = sorted(courses, key=lambda c: (c.title, c.course_id))
    return {"items": [course_view(c) for c in ordered]}


def new_course(
    course_id: str,
    title: str,
    provider: str,
    credit_types: list[str],
    claim_window_years: int | None,
    pars_activity_id: str | None,
    topics: list[str] | None = None,
    live: bool | None = None,
) -> Course:
    """A course as PUT /admin/courses describes it. A course offering ABP MOC Part 2 needs its PARS
    activity id: its points are reported against it. A changed claim window applies to credit
    recorded from then on; changed topics or live apply to claims made from then on (a claim keeps
    them on its lines as they were)."""
    if ABP_MOC_2 in credit_types and not pars_activity_id:
        raise InvalidInput(
            "A course offering ABP_MOC_2 needs its PARS activity id.",
            [{"field": "pars_activity_id", "reason": "required when the course offers ABP_MOC_2"}],
        )
    return Course(
        course_id=course_id,
        title=title,
        provider=provider,
        credit_types=tuple(dict.fromkeys(credit_types)),
        claim_window_years=claim_window_years or DEFAULT_CLAIM_WINDOW_YEARS,
        pars_activity_id=pars_activity_id,
        topics=tuple(dict.fromkeys(topics or ())),
        live=bool(live),
    )
