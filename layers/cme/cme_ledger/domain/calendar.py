"""Calendar rules: a claim window of N years is N calendar years (29 February + 1 year is 28 February)."""

from __future__ import annotations

import calendar
from datetime import date, datetime

# Dates the API takes (cycle starts, `on`, `completed_on`): cycles are computed around them.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def add_years(moment: datetime, years: int) -> datetime:
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])
    return moment.replace(year=year, day=day)


def is_valid_month_day(value: str) -> bool:
    """MM-DD that exists in some year (02-29 included)."""
    if len(value) != 5 or value[2] != "-" or not (value[:2].isdigit() and value[3:].isdigit()):
        return False
    month, day = int(value[:2]), int(value[3:])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]
