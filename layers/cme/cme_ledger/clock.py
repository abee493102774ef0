"""The current time, in one place, so tests can move it. Formatting lives in domain.times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cme_ledger.domain.times import compact, iso, parse_iso

__all__ = ["compact", "iso", "now", "parse_iso", "set_clock"]

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current UTC time, to the second (the API's precision)."""
    return _now().replace(microsecond=0)


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the system clock."""
    global _now
    _now = fn if fn is not None else (lambda: datetime.now(UTC))
