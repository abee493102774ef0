"""Earned credit: recording it (idempotent per source), what is claimable, listings and summaries."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.amounts import ZERO, normalize, to_json_number
from cme_ledger.domain.calendar import add_years
from cme_ledger.domain.catalog import courses_by_id
from cme_ledger.domain.credit_types import CREDIT_TYPES, DEFAULT_CREDIT_TYPE
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.store import keys, repo
from cme_ledger.store.models import Course, Credit


@dataclass(frozen=True)
class NewCredit:
    user_id: str
    course_id: str
    topic: str
    amount: Decimal
    source_id: str
    earned_at: datetime | None = None


def new_credit_id(earned_at: datetime) -> str:
    """Credit ids sort like earned_at, so a learner's partition is in earned order."""
    return f"{clock.compact(earned_at)}-{secrets.token_hex(5)}"


def is_expired(credit: Credit, at: datetime) -> bool:
    return bool(credit.expired_at) or clock.parse_iso(credit.expires_at) <= at


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


def is_fully_claimed(credit: Credit, course: Course | None) -> bool:
    if course is None:
        return False
    return all(credit.claimed.get(code, ZERO) >= credit.amount for code in course.credit_types)


def expiry_index_keys(user_id: str, credit_id: str, expires_at: str) -> tuple[str, str]:
    shard = keys.expiry_shard(credit_id, get_settings().expiry_shards)
    return keys.expiry_pk(expires_at[:10], shard), keys.expiry_sk(expires_at, user_id, credit_id)


# ----------------------------------------------------------------------------- recording


def record_credits(items: list[NewCredit]) -> list[dict[str, Any]]:
    """Record a batch of earned credit, all validated before anything is written.

    The same (user_id, source_id) again returns the credit first recorded, with created False.
    """
    now = clock.now()
    courses = courses_by_id()
    problems = []
    for index, item in enumerate(items):
        if item.course_id not in courses:
            problems.append({"field": f"items[{index}].course_id", "reason": "unknown course"})
        if item.earned_at is not None and item.earned_at > now:
            problems.append({"field": f"items[{index}].earned_at", "reason": "in the future"})
    if problems:
        raise InvalidInput("Some items cannot be recorded; nothing was recorded.", problems)

    known = repo.get_source_refs((i.user_id, i.source_id) for i in items)
    results: list[dict[str, Any]] = []
    created_any = False
    for item in items:
        ref = (item.user_id, item.source_id)
        if ref in known:
            results.append({"credit_id": known[ref], "source_id": item.source_id, "created": False})
            continue
        credit = _build_credit(item, courses[item.course_id], now)
        existing = repo.create_credit(credit)
        if existing is not None:
            known[ref] = existing
            results.append({"credit_id": existing, "source_id": item.source_id, "created": False})
            continue
        known[ref] = credit.credit_id
        created_any = True
        results.append({"credit_id": credit.credit_id, "source_id": item.source_id, "created": True})
    if created_any:
        repo.ensure_sweep_start(clock.iso(now)[:10])
    return results


def _build_credit(item: NewCredit, course: Course, now: datetime) -> Credit:
    earned_at = (item.earned_at or now).replace(microsecond=0)
    expires_at = add_years(earned_at, int(course.claim_window_years))
    credit_id = new_credit_id(earned_at)
    amount = normalize(item.amount)
    credit = repo.new_credit(
        user_id=item.user_id,
        credit_id=credit_id,
        course_id=item.course_id,
        topic=item.topic,
        amount=amount,
        earned_at=clock.iso(earned_at),
        expires_at=clock.iso(expires_at),
        source_id=item.source_id,
        recorded_at=clock.iso(now),
        claimed={},
        parts={},
        version=0,
    )
    if expires_at <= now:
        # Imported after its window closed: expired from the start, never in the sweep's index.
        credit.expired_at = clock.iso(now)
        credit.unclaimed_at_expiry = {code: amount for code in course.credit_types}
    else:
        credit.expiry_pk, credit.expiry_sk = expiry_index_keys(item.user_id, credit_id, credit.expires_at)
    return credit


# ----------------------------------------------------------------------------- reading


def credit_view(credit: Credit, course: Course | None, left: dict[str, Decimal]) -> dict[str, Any]:
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


def check_credit_type(credit_type: str, field: str = "credit_type") -> None:
    if credit_type not in CREDIT_TYPES:
        raise InvalidInput("Unknown credit type.", [{"field": field, "reason": "unknown credit type"}])


def list_credits(
    user_id: str,
    credit_type: str | None,
    course_id: str | None,
    limit: int,
    after_sk: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The caller's unexpired credits with something claimable, oldest first; returns (items, next key)."""
    if credit_type is not None:
        check_credit_type(credit_type)
    now = clock.now()
    courses = courses_by_id()
    items: list[dict[str, Any]] = []
    last_sk: str | None = None
    for credit in repo.iter_credits(user_id, after_sk, page_size=min(max(limit * 2, 25), 500)):
        if course_id is not None and credit.course_id != course_id:
            continue
        course = courses.get(credit.course_id)
        left = claimable(credit, course, now)
        if not left or (credit_type is not None and credit_type not in left):
            continue
        if len(items) == limit:
            return items, last_sk  # one more exists: the page ends at the last item returned
        items.append(credit_view(credit, course, left))
        last_sk = credit.sk
    return items, None


def credit_summary(user_id: str, credit_type: str | None) -> dict[str, Any]:
    """What the caller can claim now for one type, by course in title order."""
    credit_type = DEFAULT_CREDIT_TYPE if credit_type is None else credit_type  # "" is an unknown type
    check_credit_type(credit_type)
    now = clock.now()
    courses = courses_by_id()
    by_course: dict[str, dict[str, Any]] = {}
    total = ZERO
    for credit in repo.iter_credits(user_id, page_size=500):
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
