"""Reminders before unclaimed credit expires (API.md "Reminders"). Pure: times and data handed in.

A credit is reminded for a threshold (90, 30, 7 days) by the first run at which it expires within
that many days, at most once per threshold. Each run covers, per threshold, the instants that newly
came within reach since the last run: (reached, now + threshold]. Windows of successive runs touch
but never overlap, so a credit falls in exactly one run's window per threshold, whenever the runs
happen (a missed day loses nothing: the next window is longer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from cme_ledger.domain.amounts import ZERO, to_json_number
from cme_ledger.domain.model import Course
from cme_ledger.domain.times import iso, parse_iso

THRESHOLDS = (90, 30, 7)  # days before a credit expires


@dataclass(frozen=True)
class Window:
    threshold: int
    after: str  # exclusive
    until: str  # inclusive

    @property
    def empty(self) -> bool:
        return self.until <= self.after


def windows(now: datetime, reached: Mapping[int, str]) -> list[Window]:
    """This run's window per threshold: from where the last run reached (now, on the first run) to
    now + the threshold."""
    found = []
    for days in THRESHOLDS:
        after = max(reached.get(days) or iso(now), iso(now))  # never remind what has already expired
        found.append(Window(days, after, iso(now + timedelta(days=days))))
    return found


def passed_over(expires_at: str, reached: Mapping[int, str]) -> bool:
    """A credit entering the index now at an instant some finished run's window already covered:
    no later window will read it, so the next run must take it from the late queue."""
    return any(expires_at <= until for until in reached.values())


def nearest_threshold(expires_at: str, now: datetime) -> int | None:
    """The smallest threshold within which the credit now expires (None: none of them, or expired)."""
    if expires_at <= iso(now):
        return None
    return next((days for days in sorted(THRESHOLDS) if expires_at <= iso(now + timedelta(days=days))), None)


@dataclass(frozen=True)
class Expiring:
    """An unclaimed credit falling due, as the reminder lists it."""

    user_id: str
    credit_id: str
    course_id: str
    expires_at: str
    unclaimed: Decimal  # the most that can still be claimed of it, under any type its course offers
    threshold: int


def unclaimed_of(amount: Decimal, claimed: Mapping[str, Decimal], course: Course | None) -> Decimal:
    """The most of a credit still claimable under one type (what the learner would lose)."""
    if course is None:
        return ZERO
    return max((amount - claimed.get(code, ZERO) for code in course.credit_types), default=ZERO)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    credits: int


def _day(instant: str, zone: str) -> str:
    return parse_iso(instant).astimezone(ZoneInfo(zone)).date().isoformat()


def compose(
    to: str,
    name: str,
    zone: str,
    items: Iterable[Expiring],
    courses: Mapping[str, Course],
    claim_url: str,
    profile_url: str,
) -> Message:
    """One message for a learner: their expiring credit by course, soonest first, with the dates in
    their time zone and a link to claim it."""
    by_credit: dict[str, Expiring] = {}
    for item in items:  # a credit within two thresholds in one run is listed once
        by_credit.setdefault(item.credit_id, item)
    by_course: dict[str, list[Expiring]] = {}
    for item in by_credit.values():
        by_course.setdefault(item.course_id, []).append(item)
    rows = []
    for course_id, group in sorted(by_course.items(), key=lambda kv: min(i.expires_at for i in kv[1])):
        course = courses.get(course_id)
        title = course.title if course else course_id
        total = sum((i.unclaimed for i in group), ZERO)
        first = _day(min(i.expires_at for i in group), zone)
        rows.append(f"- {title}: {to_json_number(total)} credits, the first of them expiring on {first}")
    soonest = min(by_credit.values(), key=lambda i: i.expires_at)
    days = min(i.threshold for i in by_credit.values())
    subject = f"Your CME credit expires within {days} days: claim it by {_day(soonest.expires_at, zone)}"
    greeting = f"Dear {name}," if name else "Hello,"
    text = "\n".join(
        [
            greeting,
            "",
            "Some of the CME credit you earned expires soon and cannot be claimed afterwards:",
            "",
            *rows,
            "",
            f"Claim it here: {claim_url}",
            "",
            f"Dates are in your time zone ({zone}). You can turn these reminders off in your profile: {profile_url}",
        ]
    )
    return Message(to=to, subject=subject, text=text, credits=len(by_credit))
