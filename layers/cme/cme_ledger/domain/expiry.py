"""Expiry (docs/expiry.md): which credits the sweep marks, and what it records. Pure.

A credit is expired from `expires_at` on whether or not the sweep has run (credits.is_expired);
the sweep only records it: `expired_at`, what was left unclaimed per type (for audit), and takes
the credit out of the sparse expiry index (services.expiry reads only the index partitions of due
days, so its cost follows the number of credits that expire, not the size of the table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

# Save the sweep's progress at least every this many days of a long backlog (a first run years in).
PROGRESS_EVERY_DAYS = 30


@dataclass(frozen=True)
class DueCredit:
    """A credit as the sweep sees it: from the index projection (or a consistent re-read)."""

    user_id: str
    credit_id: str
    course_id: str
    amount: Decimal
    claimed: Mapping[str, Decimal]
    version: int
    expires_at: str
    indexed: bool = True  # False once the credit has left the index (fully claimed or expired)
    expired: bool = False

    def still_due(self, now_iso: str) -> bool:
        """Still to be marked: in the index, not marked, and due."""
        return self.indexed and not self.expired and self.expires_at <= now_iso


@dataclass
class SweepStats:
    """What one run did. `credits_read` is the number of index items read: the sweep's cost."""

    expired: int = 0
    credits_read: int = 0
    rereads: int = 0  # consistent re-reads after a write lost a race with a claim
    skipped: int = 0  # left alone: claimed in full meanwhile, or changed twice (next run retries)
    days: list[str] = field(default_factory=list)
    held_from: str | None = None  # earliest day with a credit left due (the next run starts there)

    def as_reply(self) -> dict[str, int]:
        return {"expired": self.expired, "credits_read": self.credits_read}

    def hold(self, day: str) -> None:
        self.held_from = min(day, self.held_from or day)


def days(first: str, last: str) -> list[str]:
    """Every day from `first` to `last`, both included (YYYY-MM-DD)."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
