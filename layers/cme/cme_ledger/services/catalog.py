"""The course catalogue, kept in the execution environment.

Courses change rarely: a warm function answers from the copy it read last, for at most
`STALE_AFTER_SECONDS`, and re-reads it when a credit names a course it does not know. A claim proves
its copy fresh inside its own transaction (a ConditionCheck on the catalogue's version) and retries
with a fresh copy if the catalogue changed: it never acts on a stale course. Listings may show a
course as it was for at most `STALE_AFTER_SECONDS` after it changed (docs/performance.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from cme_ledger import clock
from cme_ledger.domain.catalog import course_view, courses_view, new_course
from cme_ledger.domain.model import Course
from cme_ledger.store import catalog as store
from cme_ledger.store.catalog import Catalogue

STALE_AFTER_SECONDS = 60.0

_lock = threading.Lock()
_cached: tuple[float, Catalogue] | None = None


def catalogue(fresh: bool = False) -> Catalogue:
    """The catalogue as last read by this environment, read again when older than
    `STALE_AFTER_SECONDS` or when `fresh` is asked for."""
    global _cached
    with _lock:
        cached = _cached
    if cached is not None and not fresh and time.monotonic() - cached[0] < STALE_AFTER_SECONDS:
        return cached[1]
    read = store.read_catalogue()
    with _lock:
        _cached = (time.monotonic(), read)
    return read


def forget() -> None:
    """Drop the copy (a course was saved here; runtime.reset)."""
    global _cached
    with _lock:
        _cached = None


class Courses(Mapping[str, Course]):
    """The courses by id; a course this copy does not know makes it read the catalogue again, once
    (a course created since the copy was read)."""

    def __init__(self, read: Catalogue) -> None:
        self._read = read
        self._reloaded = False
        self._version = read.version

    @property
    def version(self) -> int:
        """The version of the first copy this mapping served from: lines decided before a reload
        used it, so a claim checking it never passes with a course that changed meanwhile."""
        return self._version

    def __getitem__(self, course_id: str) -> Course:
        if course_id not in self._read.courses and not self._reloaded:
            self._reloaded = True
            self._read = catalogue(fresh=True)
        return self._read.courses[course_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read.courses)

    def __len__(self) -> int:
        return len(self._read.courses)


def courses_by_id(fresh: bool = False) -> Courses:
    """All courses, keyed by id."""
    return Courses(catalogue(fresh))


def list_courses() -> dict[str, Any]:
    """GET /courses: read afresh (one request), so a course an admin just saved is listed."""
    return courses_view(catalogue(fresh=True).courses.values())


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
    forget()
    return course_view(course)
