"""Earned credit: what is claimable, recording it, listings and summaries. Pure: the time is handed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cme_ledger.domain.amounts import ZERO, normalize, to_json_number
from cme_ledger.domain.calendar import add_years
from cme_ledger.domain.credit_types import CREDIT_TYPES, DEFAULT_CREDIT_TYPE
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.model import Course, Credit
from cme_ledger.domain.times import compact, iso, parse_iso


@dataclass(frozen=True)
class NewCredit:
    user_id: str
    course_id: str
    topic: str
    amount: Decimal
    source_id: str
    earned_at: datetime | None = None


def is_expired(credit: Credit, at: datetime) -> bool:
    """Expired from `expires_at` on, whether or not the sweep has marked it."""
    return bool(credit.expired_at) or parse_iso(credit.expires_at) <= at


def claimable(credit: Credit, course: Course | None, at: datetime) -> dict[str, Decimal]:
    """What is left to claim per credit type the course offers (types with nothing left are absent)."""
    if course is None or is_expired(credit, at):
        return {}
    left = {}
    for code in course.credit_types:
        remaining = credit.amount - credit.claimed.get(code, ZERO)
        if remaining > ZERO:
            left[code] = remaining
    return left


def unclaimed_per_type(
    amount: Decimal, claimed: Mapping[str, Decimal], course: Course | None
) -> dict[str, Decimal]:
    """amount - claimed for each type the course offers (types seen claimed when it is unknown)."""
    codes = list(course.credit_types) if course is not None else sorted(claimed)
    return {code: max(amount - claimed.get(code, ZERO), ZERO) for code in codes}


def check_credit_type(credit_type: str, field: str = "credit_type") -> None:
    if credit_type not in CREDIT_TYPES:
        raise InvalidInput("Unknown credit type.", [{"field": field, "reason": "unknown credit type"}])


# ----------------------------------------------------------------------------- recording


def recording_problems(items: list[NewCredit], courses: Mapping[str, Course], now: datetime) -> None:
    """Refuse the whole batch when one item cannot be recorded (422 naming each item's field)."""
    problems = []
    for index, item in enumerate(items):
        if item.course_id not in courses:
            problems.append({"field": f"items[{index}].course_id", "reason": "unknown course"})
        if item.earned_at is not None and item.earned_at > now:
            problems.append({"field": f"items[{index}].earned_at", "reason": "in the future"})
    if problems:
        raise InvalidInput("Some items cannot be recorded; nothing was recorded.", problems)


def credit_id_for(earned_at: datetime, random_hex: str) -> str:
    """Credit ids sort like earned_at, so a learner's partition is in earned order."""
    return f"{compact(earned_at)}-{random_hex}"


def build_credit(item: NewCredit, course: Course, now: datetime, random_hex: str) -> Credit:
    """A new credit: open (in the sweep's index) until its window closes, which may already have
    happened for an import of old credit (then it is expired from the start)."""
    earned_at = (item.earned_at or now).replace(microsecond=0)
    expires_at = add_years(earned_at, int(course.claim_window_years))
    amount = normalize(item.amount)
    expired = expires_at <= now
    return Credit(
        user_id=item.user_id,
        credit_id=credit_id_for(earned_at, random_hex),
        course_id=item.course_id,
        topic=item.topic,
        amount=amount,
        earned_at=iso(earned_at),
        expires_at=iso(expires_at),
        source_id=item.source_id,
        recorded_at=iso(now),
        indexed=not expired,
        expired_at=iso(now) if expired else None,
        unclaimed_at_expiry={code: amount for code in course.credit_types} if expired else None,
    )


# ----------------------------------------------------------------------------- reading


def credit_view(credit: Credit, course: Course | None, left: Mapping[str, Decimal]) -> dict[str, Any]:
    return {
        "credit_id": credit.credit_id,
        "course_id": credit.course_id,
        "course_title": course.title if course else "",
        "topic": credit.topic,
        "earned_at": credit.earned_at,
        "expires_at": credit.expires_at,
        "amount": to_json_number(credit.amount),
        "claimable": {code: to_json_number(value) for code, value in left.items()},
    }


def list_page(
    credits: Iterable[Credit],
    courses: Mapping[str, Course],
    now: datetime,
    *,
    credit_type: str | None,
    course_id: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of unexpired credits with something claimable, in the order given; returns the
    items and the id of the last one when more follow (the next page starts after it)."""
    if credit_type is not None:
        check_credit_type(credit_type)
    items: list[dict[str, Any]] = []
    last: str | None = None
    for credit in credits:
        if course_id is not None and credit.course_id != course_id:
            continue
        course = courses.get(credit.course_id)
        left = claimable(credit, course, now)
        if not left or (credit_type is not None and credit_type not in left):
            continue
        if len(items) == limit:
            return items, last  # one more exists: the page ends at the last item returned
        items.append(credit_view(credit, course, left))
        last = credit.credit_id
    return items, None


def summary(
    credits: Iterable[Credit], courses: Mapping[str, Course], now: datetime, credit_type: str | None
) -> dict[str, Any]:
    """What can be claimed now for one type, by course in title order."""
    credit_type = DEFAULT_CREDIT_TYPE if credit_type is None else credit_type  # "" is an unknown type
    check_credit_type(credit_type)
    by_course: dict[str, dict[str, Any]] = {}
    total = ZERO
    for credit in credits:
        course = courses.get(credit.course_id)
        left = claimable(credit, course, now).get(credit_type)
        if left is None or course is None:
            continue
        entry = by_course.setdefault(
            course.course_id,
            {
                "course_id": course.course_id,
                "course_title": course.title,
                "topics": 0,
                "claimable": ZERO,
                "next_expiry": credit.expires_at,
            },
        )
        entry["topics"] += 1
        entry["claimable"] += left
        entry["next_expiry"] = min(entry["next_expiry"], credit.expires_at)
        total += left
    ordered = sorted(by_course.values(), key=lambda e: (e["course_title"], e["course_id"]))
    for entry in ordered:
        entry["claimable"] = to_json_number(entry["claimable"])
    return {"credit_type": credit_type, "total": to_json_number(total), "courses": ordered}
