"""Reminder benchmark: does a run's cost follow the credits falling due, not the table's size?

Under moto (the table built from template.yaml), tables of 10,000 and 50,000 credits of 997
learners hold the same 300 credits expiring within 7 days and 200 more within 90; the rest expire
later. `run()` returns rows (figure, measured value, goal): index items read per (credit,
threshold) falling due, and what a second run the same day reads.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.backend import moto_stack, offline  # noqa: E402 - after the path setup above

SIZES = (10_000, 50_000)
WEEK, QUARTER = 300, 200  # credits expiring within 7 days / within 90 days but not 30
LEARNERS = 997
RUN_AT = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


def _credits(total: int) -> list[Any]:
    from cme_ledger.domain.calendar import add_years
    from cme_ledger.domain.credits import NewCredit, build_credit
    from cme_ledger.domain.model import Course

    course = Course("em", "Emergency Medicine", "Bench", ("AMA_PRA_1", "ACEP"))
    built = []
    for i in range(total):
        if i < WEEK:
            expires = RUN_AT + timedelta(hours=1 + i % 160)  # within 7 days
        elif i < WEEK + QUARTER:
            expires = RUN_AT + timedelta(days=31 + i % 58)  # within 90, not 30
        else:
            expires = RUN_AT + timedelta(days=91 + i % 900)  # later
        earned = add_years(expires, -3)
        item = NewCredit(f"learner-{i % LEARNERS}", "em", f"Topic {i}", Decimal("1.25"), f"src-{i}", earned)
        built.append(build_credit(item, course, RUN_AT - timedelta(days=1), f"{i:010x}"))
    return built


def _one(total: int) -> dict[str, float]:
    from cme_ledger import clock
    from cme_ledger.domain.model import Course
    from cme_ledger.services.reminders import send_reminders
    from cme_ledger.store import catalog, db, profiles
    from cme_ledger.store.credits import item_of

    with moto_stack():
        catalog.save_course(
            Course("em", "Emergency Medicine", "Bench", ("AMA_PRA_1", "ACEP")), clock.iso(RUN_AT)
        )
        for n in range(LEARNERS):
            profiles.update_profile(f"learner-{n}", {"email": f"learner-{n}@example.org"})
        items = [item_of(c).serialize() for c in _credits(total)]
        name = db.table_name()
        for start in range(0, len(items), 25):
            request: dict[str, Any] = {
                name: [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]
            }
            while request:
                request = db.client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        began = time.perf_counter()
        first = send_reminders(RUN_AT)
        seconds = time.perf_counter() - began
        again = send_reminders(RUN_AT + timedelta(hours=1))
    falling_due = WEEK * 3 + QUARTER  # (credit, threshold) pairs: the week's in all three windows
    return {
        "read": first.credits_read,
        "due": falling_due,
        "emails": first.emails,
        "again_read": again.credits_read,
        "seconds": seconds,
    }


def run() -> list[tuple[str, float, str]]:
    offline()
    rows: list[tuple[str, float, str]] = []
    for total in SIZES:
        r = _one(total)
        label = f"{total:,} credits"
        rows += [
            (
                f"reminders: index items read / (credit, threshold) falling due ({label})",
                round(r["read"] / r["due"], 3),
                "<= 1.05",
            ),
            (f"reminders: emails sent ({label})", r["emails"], "one per learner with credit falling due"),
            (
                f"reminders: a second run an hour later, index items read ({label})",
                r["again_read"],
                "only what newly fell due",
            ),
            (f"reminders: seconds under moto ({label})", round(r["seconds"], 2), "informational"),
        ]
    return rows


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
