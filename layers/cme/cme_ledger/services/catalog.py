"""The course catalogue."""

from __future__ import annotations

from typing import Any

from cme_ledger import clock
from cme_ledger.domain.catalog import course_view, courses_view, new_course
from cme_ledger.domain.model import Course
from cme_ledger.store import catalog as store


def courses_by_id() -> dict[str, Course]:
    """All courses, keyed by id (the catalogue is small: one query)."""
    return {c.course_id: c for c in store.list_courses()}


def list_courses() -> dict[str, Any]:
    return courses_view(store.list_courses())


def put_course(
    course_id: str,
    title: str,
    provider: str,
    credit_types: list[str],
    claim_window_years: int | None,
    pars_activity_id: str | None,
    topics: list[str] | None = None,
    live: bool | None = None,
) -> dict[str, Any]:
    """Create or replace a course (422 for one offering ABP MOC Part 2 without its PARS id)."""
    course = new_course(
        course_id, title, provider, credit_types, claim_window_years, pars_activity_id, topics, live
    )
    store.save_course(course, clock.iso(clock.now()))
    return course_view(course)
