"""The expiry sweep (docs/expiry.md): reads only the index partitions of due days, marks each credit
in one conditional write, and remembers the first day still to look at."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.credits import unclaimed_per_type
from cme_ledger.domain.expiry import PROGRESS_EVERY_DAYS, DueCredit, SweepStats, days, next_day
from cme_ledger.domain.model import Course
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import expiry as store


def expire_due_credits(now: datetime | None = None) -> dict[str, int]:
    """Mark every credit whose window closed at or before `now`; returns {"expired", "credits_read"}."""
    return sweep(now).as_reply()


def sweep(now: datetime | None = None) -> SweepStats:
    """The sweep with its full statistics (the bench and the logs use them)."""
    now_iso = clock.iso(now or clock.now())
    today = now_iso[:10]
    start = store.get_next_day() or today
    stats = SweepStats()
    courses: Mapping[str, Course] | None = None
    for day in days(min(start, today), today):
        stats.days.append(day)
        for shard in range(get_settings().expiry_shards):
            for page in store.due_in_partition(day, shard, now_iso):
                stats.credits_read += len(page)
                if courses is None:
                    courses = courses_by_id()
                for credit in page:
                    if not _expire_one(credit, courses.get(credit.course_id), now_iso, stats):
                        stats.hold(day)
        if day < today and len(stats.days) % PROGRESS_EVERY_DAYS == 0:
            store.advance_next_day(min(next_day(day), stats.held_from or today), now_iso)
    # Every day before today is done: the next run starts at today (whose later hours may fall due),
    # or earlier when a credit there was left due after losing two races with claims.
    store.advance_next_day(min(today, stats.held_from or today), now_iso)
    return stats


def _expire_one(credit: DueCredit, course: Course | None, now_iso: str, stats: SweepStats) -> bool:
    """Expire one credit; False only when it is still indexed and due after the retry."""
    if store.expire_credit(credit, unclaimed_per_type(credit.amount, credit.claimed, course), now_iso):
        stats.expired += 1
        return True
    # A claim (or another sweep) changed it since the index was read: read it again, retry once.
    stats.rereads += 1
    fresh = store.reread(credit)
    if fresh is None or not fresh.still_due(now_iso):
        stats.skipped += 1
        return True
    if store.expire_credit(fresh, unclaimed_per_type(fresh.amount, fresh.claimed, course), now_iso):
        stats.expired += 1
        return True
    stats.skipped += 1  # changed again; still indexed and due, so the next run takes it
    return False
