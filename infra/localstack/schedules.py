"""EventBridge schedule expressions, and a thread per scheduled function that fires them.

Supported: `rate(N minute|minutes|hour|hours|day|days)` and six-field `cron(min hour dom month dow
year)` in UTC with `*`, `?`, numbers, names (JAN, MON), lists, ranges and `/` steps (day of week 1-7
is SUN-SAT, as in EventBridge). `L`, `W` and `#` are not supported.

A rate schedule first fires one period after the stack starts; a cron schedule at its next matching
minute. With a scale (CME_SCHEDULE_SCALE or --schedule-scale) above 1, every schedule instead fires
every (its period / scale), first after one such interval: with 60, a daily cron job runs every
24 minutes and rate(5 minutes) every 5 seconds.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

log = logging.getLogger("cme.local.schedules")

MIN_INTERVAL = 1.0  # seconds, however large the scale

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


@dataclass(frozen=True)
class Rate:
    expression: str
    seconds: int

    def next_after(self, moment: datetime, started: datetime | None = None) -> datetime:
        """The first run strictly after `moment` of a rate started at `started` (default: `moment`)."""
        started = started or moment
        periods = int((moment - started).total_seconds() // self.seconds) + 1
        return started + timedelta(seconds=periods * self.seconds)

    def period(self, moment: datetime) -> float:
        return float(self.seconds)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """The values a cron field allows; None for `*` or `?` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.upper()
        if names and token in names:
            return names[token]
        if not token.isdigit():
            raise ValueError(f"unsupported cron token {token!r}")
        value = int(token)
        if not low <= value <= high:
            raise ValueError(f"cron value {value} outside {low}-{high}")
        return value

    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"invalid cron step in {part!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = number(a), number(b)
        else:
            first = number(base)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days_of_month: frozenset[int] | None
    months: frozenset[int] | None
    days_of_week: frozenset[int] | None  # 1 = Sunday
    years: frozenset[int] | None

    def _matches_day(self, day: date) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if self.months is not None and day.month not in self.months:
            return False
        if self.days_of_month is not None and day.day not in self.days_of_month:
            return False
        return self.days_of_week is None or (day.isoweekday() % 7) + 1 in self.days_of_week

    def next_after(self, moment: datetime, started: datetime | None = None) -> datetime:
        """The first matching minute strictly after `moment` (UTC)."""
        moment = moment.astimezone(UTC)
        hours = sorted(self.hours) if self.hours is not None else list(range(24))
        minutes = sorted(self.minutes) if self.minutes is not None else list(range(60))
        day = moment.date()
        for _ in range(366 * 8):
            if self._matches_day(day):
                for hour in hours:
                    for minute in minutes:
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if candidate > moment:
                            return candidate
            day += timedelta(days=1)
        raise ValueError(f"{self.expression} never fires")

    def period(self, moment: datetime) -> float:
        first = self.next_after(moment)
        return (self.next_after(first) - first).total_seconds()


Schedule = Rate | Cron


def parse(expression: str) -> Schedule:
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        amount = int(rate.group(1))
        if amount < 1:
            raise ValueError(f"{expression}: the rate must be positive")
        return Rate(text, amount * _UNITS[rate.group(2).rstrip("s")])
    cron = _CRON.match(text)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            raise ValueError(f"{expression}: cron needs 6 fields")
        minute, hour, dom, month, dow, year = fields
        if dom != "?" and dow != "?":
            raise ValueError(f"{expression}: one of day-of-month and day-of-week must be '?'")
        return Cron(
            text,
            _field(minute, 0, 59),
            _field(hour, 0, 23),
            _field(dom, 1, 31),
            _field(month, 1, 12, _MONTHS),
            _field(dow, 1, 7, _DAYS),
            _field(year, 1970, 2199),
        )
    raise ValueError(f"unsupported schedule expression {expression!r}")


def _now() -> datetime:
    return datetime.now(UTC)


class ScheduleRunner(threading.Thread):
    """Fires one function's schedule until `stop` is set; a failing run is logged, never fatal."""

    def __init__(
        self,
        *,
        name: str,
        expression: str,
        invoke: Callable[[str], Any],
        stop: threading.Event,
        scale: float = 1.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__(name=f"schedule-{name}", daemon=True)
        self.label = name
        self.schedule = parse(expression)
        self.expression = expression
        self._invoke = invoke
        self._halt = stop
        self.scale = max(1.0, scale)
        self._clock = clock
        self.runs = 0

    def interval(self, moment: datetime) -> float | None:
        """Seconds between runs when scaled, else None (follow the expression)."""
        if self.scale <= 1.0:
            return None
        return max(MIN_INTERVAL, self.schedule.period(moment) / self.scale)

    def first_run(self, started: datetime) -> datetime:
        interval = self.interval(started)
        if interval is not None:
            return started + timedelta(seconds=interval)
        return self.schedule.next_after(started, started)

    def run(self) -> None:
        started = self._clock()
        due = self.first_run(started)
        log.info("%s: %s, first run at %s", self.label, self.expression, due.strftime("%Y-%m-%dT%H:%M:%SZ"))
        while True:
            remaining = (due - self._clock()).total_seconds()
            if remaining > 0:
                if self._halt.wait(min(remaining, 30.0)):
                    return
                continue
            if self._halt.is_set():
                return
            try:
                self._invoke(self.expression)
                self.runs += 1
                log.info("%s: scheduled run finished", self.label)
            except Exception:
                log.exception("%s: scheduled run failed", self.label)
            now = self._clock()
            interval = self.interval(now)
            if interval is not None:
                due = max(due + timedelta(seconds=interval), now)
            else:
                # One run for a missed stretch (a sleeping laptop), not one per missed period.
                due = self.schedule.next_after(max(due, now), started)
