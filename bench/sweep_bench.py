"""Expiry sweep benchmark: does the sweep's cost follow the credits that expire, not the table's size?

Under moto (the table built from template.yaml by infra.provision), two tables of 10,000 and 50,000
credits hold the same 500 due credits; the rest expire later (some later on the sweep's own day, in
the same index partitions). `run()` returns rows (figure, measured value, goal);
`python bench/sweep_bench.py` prints them.
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

DUE = 500
SIZES = (10_000, 50_000)
RECORDED = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
SWEEP_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _course() -> Any:
    from cme_ledger.domain.model import Course

    return Course("em", "Emergency Medicine", "Bench", ("AMA_PRA_1", "ACEP"))


def _credit_items(total: int) -> list[dict[str, Any]]:
    """`DUE` credits whose window closed before SWEEP_AT, the rest later (10 % later that same day)."""
    from cme_ledger.domain import credits
    from cme_ledger.domain.calendar import add_years
    from cme_ledger.store.credits import item_of

    course = _course()
    items = []
    for i in range(total):
        if i < DUE:
            expires = RECORDED + timedelta(hours=1 + (i * 101) % 100)  # spread over the 4 days before
        elif i % 10 == 0:
            expires = SWEEP_AT + timedelta(minutes=1 + i % 600)  # same day, same partitions, not yet due
        else:
            expires = SWEEP_AT + timedelta(days=1 + i % 1000)
        earned = add_years(expires, -3)
        credit = credits.build_credit(
            credits.NewCredit(f"learner-{i % 997}", "em", f"Topic {i}", Decimal("1.25"), f"src-{i}", earned),
            course,
            RECORDED,
            f"{i:010x}",
        )
        assert credit.indexed
        items.append(item_of(credit).serialize())
    return items


def _load(items: list[dict[str, Any]]) -> None:
    from cme_ledger.store.db import client, table_name

    name = table_name()
    for start in range(0, len(items), 25):
        request: dict[str, Any] = {name: [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]}
        while request:
            request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def _one(total: int) -> dict[str, float]:
    from cme_ledger import clock
    from cme_ledger.services import expiry
    from cme_ledger.store import catalog, db
    from cme_ledger.store import credits as credit_store

    with moto_stack():
        catalog.save_course(_course(), clock.iso(RECORDED))
        began = time.perf_counter()
        _load(_credit_items(total))
        load_seconds = time.perf_counter() - began
        credit_store.ensure_sweep_start(clock.iso(RECORDED)[:10])

        calls: dict[str, int] = {}

        def count(model: Any, **kwargs: Any) -> None:
            calls[model.name] = calls.get(model.name, 0) + 1

        db.client().meta.events.register("before-call.dynamodb", count)
        began = time.perf_counter()
        stats = expiry.sweep(SWEEP_AT)
        sweep_seconds = time.perf_counter() - began
        again = expiry.sweep(SWEEP_AT)
        db.client().meta.events.unregister("before-call.dynamodb", count)
    return {
        "expired": stats.expired,
        "read": stats.credits_read,
        "scans": calls.get("Scan", 0),
        "again_read": again.credits_read,
        "again_expired": again.expired,
        "load_seconds": load_seconds,
        "sweep_seconds": sweep_seconds,
    }


def run() -> list[tuple[str, float, str]]:
    offline()
    rows: list[tuple[str, float, str]] = []
    for total in SIZES:
        r = _one(total)
        label = f"{total:,} credits, {DUE} due"
        rows += [
            (
                f"expiry sweep: index items read / credits expired ({label})",
                round(r["read"] / r["expired"], 3),
                "<= 1.05",
            ),
            (f"expiry sweep: credits expired ({label})", r["expired"], f"== {DUE}"),
            (f"expiry sweep: Scan calls ({label})", r["scans"], "== 0"),
            (f"expiry sweep: second run at once, index items read ({label})", r["again_read"], "== 0"),
            (f"expiry sweep: seconds under moto ({label})", round(r["sweep_seconds"], 2), "informational"),
            (
                f"expiry sweep: seconds to load the table under moto ({label})",
                round(r["load_seconds"], 1),
                "informational (< 180)",
            ),
        ]
    return rows


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
