"""Expiry: the daily sweep that marks credits past their claim window (docs/expiry.md).

A credit is expired from `expires_at` on whether or not the sweep has run (credits.is_expired);
the sweep only records it: `expired_at`, what was left unclaimed per type (for audit), and takes
the credit out of the sparse expiry index. It reads only the index partitions of due days, so its
cost follows the number of credits that expire, not the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.amounts import ZERO
from cme_ledger.domain.catalog import courses_by_id
from cme_ledger.store import expiry as store
from cme_ledger.store.models import Course

# Save the sweep's progress at least every this many days of a long backlog (a first run years in).
PROGRESS_EVERY_DAYS = 30


@dataclass
class SweepStats:
    """What one run did. `credits_read` is the number of index items read: the sweep's cost."""

    expired: int = 0
    credits_read: int = 0
    course_lookups: int = 0  # credits read by key for a course id the index does not project
    rereads: int = 0  # consistent re-reads after a write lost a race with a claim
    skipped: int = 0  # left alone: claimed in full meanwhile, or changed twice (next run retries)
    days: list[str] = field(default_factory=list)
    held_from: str | None = None  # earliest day with a credit left due (the next run starts there)

    def as_reply(self) -> dict[str, int]:
        return {"expired": self.expired, "credits_read": self.credits_read}


def expire_due_credits(now: datetime | None = None) -> dict[str, int]:
    """Mark every credit whose window closed at or before `now`; returns {"expired", "credits_read"}."""
    return sweep(now).as_reply()


def sweep(now: datetime | None = None) -> SweepStats:
    """The sweep with its full statistics (the bench and the logs use them)."""
    at = (now or clock.now()).replace(microsecond=0)
    now_iso = clock.iso(at)
    # expiry_sk begins with expires_at: `< iso(now + 1 s)` selects expires_at <= now exactly.
    before_sk = clock.iso(at + timedelta(seconds=1))
    today = now_iso[:10]
    start = store.get_next_day() or today
    shards = get_settings().expiry_shards
    stats = SweepStats()
    courses: dict[str, Course] | None = None

    for day in _days(min(start, today), today):
        stats.days.append(day)
        for shard in range(shards):
            for page in store.due_in_partition(day, shard, before_sk):
                stats.credits_read += len(page)
                if courses is None:
                    courses = courses_by_id()
                _expire_page(day, page, courses, now_iso, stats)
        if day < today and len(stats.days) % PROGRESS_EVERY_DAYS == 0:
            store.advance_next_day(min(_next(day), stats.held_from or today), now_iso)
    # Every day before today is done: the next run starts at today (whose later hours may fall due),
    # or earlier when a credit there was left due after losing two races with claims.
    store.advance_next_day(min(today, stats.held_from or today), now_iso)
    return stats


def unclaimed_per_type(
    amount: Decimal, claimed: dict[str, Decimal], course: Course | None
) -> dict[str, Decimal]:
    """amount - claimed for each type the course offers (types seen claimed when it is unknown)."""
    codes = list(course.credit_types) if course is not None else sorted(claimed)
    return {code: max(amount - claimed.get(code, ZERO), ZERO) for code in codes}


def _expire_page(
    day: str, page: list[store.DueCredit], courses: dict[str, Course], now_iso: str, stats: SweepStats
) -> None:
    missing = [c for c in page if c.course_id is None]
    looked_up = store.course_ids(missing) if missing else {}
    stats.course_lookups += len(missing)
    for credit in page:
        course_id = credit.course_id or looked_up.get((credit.pk, credit.sk))
        if course_id is None:
            stats.skipped += 1  # deleted between the query and the lookup
            continue
        if not _expire_one(credit, courses.get(course_id), now_iso, stats):
            stats.held_from = min(day, stats.held_from or day)


def _expire_one(credit: store.DueCredit, course: Course | None, now_iso: str, stats: SweepStats) -> bool:
    """Expire one credit; False only when it is still indexed and due after the retry."""
    if store.expire_credit(credit, unclaimed_per_type(credit.amount, credit.claimed, course), now_iso):
        stats.expired += 1
        return True
    # A claim (or another sweep) changed it since the index was read: read it again, retry once.
    stats.rereads += 1
    fresh = store.reread(credit)
    if fresh is None or not fresh.in_index or fresh.expired or fresh.expires_at > now_iso:
        stats.skipped += 1
        return True
    if store.expire_credit(fresh, unclaimed_per_type(fresh.amount, fresh.claimed, course), now_iso):
        stats.expired += 1
        return True
    stats.skipped += 1  # changed again; still indexed and due, so the next run takes it
    return False


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _next(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
