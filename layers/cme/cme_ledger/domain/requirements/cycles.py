"""Cycles of a requirement set: every `years` calendar years from the learner's cycle start, both ways.

Cycle k runs from the start moved k*years calendar years (29 February moves to 28 February in a
common year, as calendar.add_years does for claim windows) to the day before cycle k+1 starts, so
cycles tile the calendar with no gap and no overlap.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, tzinfo

ONE_DAY = timedelta(days=1)


def add_years(day: date, years: int) -> date:
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def cycle_index(anchor: date, years: int, on: date) -> int:
    """The k whose cycle [add_years(anchor, k*years), next start) contains `on`."""
    k = (on.year - anchor.year) // years
    while add_years(anchor, k * years) > on:
        k -= 1
    while add_years(anchor, (k + 1) * years) <= on:
        k += 1
    return k


def cycle_bounds(anchor: date, years: int, k: int) -> tuple[date, date]:
    """First and last day (inclusive) of cycle k."""
    return add_years(anchor, k * years), add_years(anchor, (k + 1) * years) - ONE_DAY


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The day a person in `zone` calls `moment` (an aware time): the date a claim line counts on."""
    if moment.tzinfo is None:
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(zone).date()
