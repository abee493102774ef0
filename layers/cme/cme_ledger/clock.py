"""The current time, in one place, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current UTC time, to the second (the API's precision)."""
    return _now().replace(microsecond=0)


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the system clock."""
    global _now
    _now = fn if fn is not None else (lambda: datetime.now(UTC))


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: sortable as a string.

    Formatted by hand: strftime's %Y does not pad years before 1000 on glibc ("444-06-28..."),
    which would neither sort nor parse back.
    """
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def compact(value: datetime) -> str:
    """The basic ISO 8601 form in UTC (20261127T100000Z), sortable as a string, any year."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"


def parse_iso(value: str) -> datetime:
    """Parse a stored ISO time (always UTC)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
