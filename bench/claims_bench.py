"""Claim benchmark: how many DynamoDB requests does one POST /claims {"all": true} of N credits make,
compared with the least possible (ceil(N/99) transactions plus the claim record), and does the wall
time per credit stay flat as N grows?

Under moto (the stack built from template.yaml by infra.provision), with the real handlers invoked
through tests/support.py. Requests are counted at botocore's `_make_api_call` (every client, every
thread); a `before-call.dynamodb` event hook on `cme_ledger.store.db.client()` only sees the raw
transactions, since each pynamodb model class keeps its own connection and client.
Set BENCH_QUICK=1 to skip the 5,000-credit case (it takes minutes under moto).
`run()` returns rows (figure, measured value, goal); `python bench/claims_bench.py` prints them.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.backend import moto_stack, offline  # noqa: E402 - after the path setup above

SIZES = (100, 1_000, 5_000)
QUICK_SIZES = (100, 1_000)
LEARNER = "bench-learner"
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def least_requests(n: int) -> int:
    return math.ceil(n / 99) + 1


def _one(n: int) -> dict[str, Any]:
    from botocore.client import BaseClient

    from cme_ledger.store.db import client
    from infra import moto_patches
    from tests.support import call, make_course, make_premium, seed_credits

    moto_patches.apply()
    calls: Counter[tuple[str, str]] = Counter()
    hooked: Counter[str] = Counter()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        calls[(self.meta.service_model.service_name, operation_name)] += 1
        return original(self, operation_name, api_params)

    def hook(model: Any, **kwargs: Any) -> None:
        hooked[model.name] += 1

    with moto_stack():
        make_course()
        make_premium(LEARNER)
        seed_credits(LEARNER, "em", n)
        dynamodb = client()
        dynamodb.meta.events.register("before-call.dynamodb", hook)
        setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
        began = time.perf_counter()
        try:
            reply = call("POST", "/claims", user=LEARNER, body={"all": True})
        finally:
            seconds = time.perf_counter() - began
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010
            dynamodb.meta.events.unregister("before-call.dynamodb", hook)
    if reply.status != 201:
        raise RuntimeError(f"POST /claims for {n} credits answered {reply.status}: {str(reply.body)[:300]}")
    dynamo = {op: c for (service, op), c in calls.items() if service == "dynamodb"}
    others = {f"{service}.{op}": c for (service, op), c in calls.items() if service != "dynamodb"}
    return {
        "dynamodb": sum(dynamo.values()),
        "writes": sum(c for op, c in dynamo.items() if op in _WRITES),
        "by_operation": dynamo,
        "hooked": sum(hooked.values()),
        "others": others,
        "seconds": seconds,
    }


def run() -> list[tuple[str, float, str]]:
    offline()
    sizes = QUICK_SIZES if os.environ.get("BENCH_QUICK") == "1" else SIZES
    rows: list[tuple[str, float, str]] = []
    for n in sizes:
        r = _one(n)
        ops = ", ".join(f"{op} {c}" for op, c in sorted(r["by_operation"].items()))
        print(
            f"  claim of {n:,}: DynamoDB {ops}; hook saw {r['hooked']}; other AWS {r['others'] or 'none'}",
            file=sys.stderr,
        )
        rows += [
            (
                f"claim of {n:,} credits: DynamoDB requests / least possible ({least_requests(n)})",
                round(r["dynamodb"] / least_requests(n), 2),
                "informational (reads add a few; writes are the floor)",
            ),
            (
                f"claim of {n:,} credits: DynamoDB writes / least possible ({least_requests(n)})",
                round(r["writes"] / least_requests(n), 2),
                "informational (the pending record and the commit are one more than the floor)",
            ),
            (f"claim of {n:,} credits: DynamoDB requests", r["dynamodb"], "informational"),
            (
                f"claim of {n:,} credits: other AWS requests (SQS, S3)",
                sum(r["others"].values()),
                "informational",
            ),
            (
                f"claim of {n:,} credits: ms per credit under moto",
                round(1000 * r["seconds"] / n, 2),
                "flat across N",
            ),
        ]
    return rows


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
