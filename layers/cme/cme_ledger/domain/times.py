"""Times as the API and the table write them: ISO 8601 in UTC with a Z, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


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


def is_time_zone(name: str) -> bool:
    """An IANA time zone name this runtime knows (from the tzdata package): "America/Los_Angeles"."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def parse_iso(value: str) -> datetime:
    """Parse a stored ISO time (always UTC)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
