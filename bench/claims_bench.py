"""Claim and listing benchmark: DynamoDB requests against the floor, and items read against items
listed.

Claims: one POST /claims (with an Idempotency-Key, on a warm function: the catalogue already in
memory) selecting N credits of C courses. Its floor (issue 15): the writes needed, ceil((N + C + 2)
/ 100) transactions or the saga's chunks past one transaction, plus the reads needed, one per 1 MB
page of the learner's partition (counted by reading the partition whole, paginated, before the
claim). Goal: requests / floor 1.00 up to 90 credits, at most 1.10 above.

Listings: a learner with H credits of history, nine in ten fully claimed; GET /credits pages through
every open credit (limit 50), GET /credits?course_id= takes one, GET /credits/summary reads all.
Items read are DynamoDB's ScannedCount summed over the requests. Goal: items read / items listed
<= 1.1 at every H; requests per page: 1.

Under moto (the stack built from template.yaml by infra.provision), with the real handlers invoked
through tests/support.py. Requests are counted at botocore's `_make_api_call` (every client, every
thread). Set BENCH_QUICK=1 to skip the 5,000-credit cases (minutes under moto).
`run()` returns rows (figure, measured value, goal); `python bench/claims_bench.py` prints them.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.backend import moto_stack, offline  # noqa: E402 - after the path setup above

CLAIM_SIZES = (5, 50, 90, 100, 1_000, 5_000)
HISTORY_SIZES = (100, 1_000, 5_000)
QUICK_SKIPS = 5_000
COURSES = ("em", "peds", "tox")  # the claimed credits are spread over these
LEARNER = "bench-learner"
# Conservative round trips for the estimate in AWS (docs/performance.md): a 100-item
# TransactWriteItems, a 1 MB Query page.
AWS_TRANSACTION_MS = 150
AWS_READ_MS = 50
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class Counted:
    """DynamoDB requests by operation, and the items they read (ScannedCount, or the items returned
    by a GetItem / BatchGetItem)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.others: Counter[str] = Counter()
        self.items_read = 0
        self.seconds_in_calls = 0.0  # inside botocore calls: moto's work here, DynamoDB's round trips in AWS

    @property
    def requests(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(c for op, c in self.calls.items() if op in _WRITES)


@contextmanager
def counting() -> Iterator[Counted]:
    from botocore.client import BaseClient

    counted = Counted()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def counted_call(self: Any, operation_name: str, api_params: Any) -> Any:
        began = time.perf_counter()
        reply = original(self, operation_name, api_params)
        counted.seconds_in_calls += time.perf_counter() - began
        if self.meta.service_model.service_name != "dynamodb":
            counted.others[f"{self.meta.service_model.service_name}.{operation_name}"] += 1
            return reply
        counted.calls[operation_name] += 1
        if "ScannedCount" in reply:
            counted.items_read += int(reply["ScannedCount"])
        elif operation_name == "GetItem":
            counted.items_read += 1 if "Item" in reply else 0
        elif operation_name == "BatchGetItem":
            counted.items_read += sum(len(v) for v in reply.get("Responses", {}).values())
        return reply

    setattr(BaseClient, "_make_api_call", counted_call)  # noqa: B010
    try:
        yield counted
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010


def partition_pages(user_id: str) -> int:
    """Query requests to read the learner's partition whole (DynamoDB pages at 1 MB)."""
    from cme_ledger.store import keys
    from cme_ledger.store.db import client, table_name

    pages = (
        client()
        .get_paginator("query")
        .paginate(
            TableName=table_name(),
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.user_pk(user_id)}},
            ConsistentRead=True,
        )
    )
    return sum(1 for _ in pages)


def floor(n: int, courses: int, partition: int) -> int:
    """The least requests a claim of n credits in `courses` courses can make (issue 15)."""
    from cme_ledger.domain.claim_plan import FIRST_LINES, MAX_LINES

    writes = math.ceil((n + courses + 2) / 100)
    if writes > 1:  # past one transaction: the saga's chunks (the first leaves room for its record)
        writes = max(writes, 1 + math.ceil(max(n - FIRST_LINES, 0) / MAX_LINES))
    return writes + partition


def _setup(courses: tuple[str, ...]) -> None:
    from tests.support import make_course, make_premium

    for course in courses:
        make_course(course, title=f"Course {course}", types=["AMA_PRA_1"])
    make_premium(LEARNER)


def _claim(n: int) -> dict[str, Any]:
    from cme_ledger.services import catalog
    from tests.support import call, seed_credits

    with moto_stack():
        _setup(COURSES)
        ids: list[str] = []
        for i, course in enumerate(COURSES):
            share = n // len(COURSES) + (1 if i < n % len(COURSES) else 0)
            if share:
                ids += seed_credits(LEARNER, course, share, earned_at=f"2026-01-1{i}T10:00:00Z")
        partition = partition_pages(LEARNER)
        courses = sum(
            1 for i in range(len(COURSES)) if n // len(COURSES) + (1 if i < n % len(COURSES) else 0)
        )
        # A warm function whose copy of the catalogue is fresh (read less than a minute ago).
        catalog.catalogue(fresh=True)
        body = {"selections": [{"credit_id": credit_id} for credit_id in ids]}
        with counting() as counted:
            began = time.perf_counter()
            reply = call(
                "POST", "/claims", user=LEARNER, body=body, headers={"Idempotency-Key": f"bench-{n}"}
            )
            seconds = time.perf_counter() - began
    if reply.status != 201:
        raise RuntimeError(f"POST /claims for {n} credits answered {reply.status}: {str(reply.body)[:300]}")
    return {
        "counted": counted,
        "floor": floor(n, courses, partition),
        "partition": partition,
        "seconds": seconds,
    }


def _history(h: int) -> dict[str, Any]:
    """A learner with h credits, nine in ten fully claimed: what the listings read for what they list."""
    from cme_ledger import clock
    from cme_ledger.domain.credits import NewCredit, build_credit
    from cme_ledger.services import catalog
    from cme_ledger.services.catalog import courses_by_id
    from cme_ledger.store import credits as credit_store
    from tests.support import call

    with moto_stack():
        _setup(COURSES)
        courses = courses_by_id()
        now = clock.now()
        earned = datetime(2026, 1, 1, 10, tzinfo=UTC)
        built = []
        for i in range(h):
            course = COURSES[i % len(COURSES)]
            item = NewCredit(LEARNER, course, f"Topic {i:05d}", Decimal("1.00"), f"hist-{i}", earned)
            credit = build_credit(item, courses[course], now, f"{i:010x}")
            if i % 10:  # claimed whole: out of the open indexes, as the claim that filled it left it
                credit = replace(credit, claimed={"AMA_PRA_1": credit.amount}, indexed=False)
            built.append(credit)
        credit_store.save_all(built)
        open_count = sum(1 for c in built if c.indexed)
        one_course = sum(1 for c in built if c.indexed and c.course_id == COURSES[0])
        catalog.catalogue(fresh=True)  # a warm function, its copy of the catalogue fresh
        listed = 0
        with counting() as pages:
            cursor: str | None = None
            page_count = 0
            while True:
                query = {"limit": "50", **({"cursor": cursor} if cursor else {})}
                reply = call("GET", "/credits", user=LEARNER, query=query)
                assert reply.status == 200, reply.body
                listed += len(reply.body["items"])
                page_count += 1
                cursor = reply.body["next_cursor"]
                if cursor is None:
                    break
        with counting() as by_course:
            reply = call("GET", "/credits", user=LEARNER, query={"course_id": COURSES[0], "limit": "200"})
            course_listed = len(reply.body["items"])
        with counting() as summary:
            reply = call("GET", "/credits/summary", user=LEARNER)
            summarised = sum(c["topics"] for c in reply.body["courses"])
    assert listed == open_count and course_listed == min(one_course, 200) and summarised == open_count
    return {
        "list_ratio": pages.items_read / max(listed, 1),
        "list_requests_per_page": pages.requests / page_count,
        "course_ratio": by_course.items_read / max(course_listed, 1),
        "summary_ratio": summary.items_read / max(summarised, 1),
        "summary_requests": summary.requests,
    }


def run() -> list[tuple[str, float, str]]:
    from infra import moto_patches

    offline()
    moto_patches.apply()  # as the local stack and the tests run moto (infra/moto_patches.py)
    quick = os.environ.get("BENCH_QUICK") == "1"
    rows: list[tuple[str, float, str]] = []
    for n in CLAIM_SIZES:
        if quick and n >= QUICK_SKIPS:
            continue
        r = _claim(n)
        counted: Counted = r["counted"]
        own = r["seconds"] - counted.seconds_in_calls
        reads = counted.requests - counted.writes
        ops = ", ".join(f"{op} {c}" for op, c in sorted(counted.calls.items()))
        print(
            f"  claim of {n:,}: DynamoDB {ops}; other AWS {dict(counted.others) or 'none'}", file=sys.stderr
        )
        rows += [
            (
                f"claim of {n:,} credits: DynamoDB requests / floor ({r['floor']})",
                round(counted.requests / r["floor"], 2),
                "1.00" if n <= 90 else "<= 1.10",
            ),
            (
                f"claim of {n:,} credits: seconds under moto (in process)",
                round(r["seconds"], 2),
                "informational",
            ),
            (
                f"claim of {n:,} credits: seconds outside AWS calls (the function's own work)",
                round(own, 2),
                "informational",
            ),
            (
                f"claim of {n:,} credits: estimated seconds in AWS ({AWS_TRANSACTION_MS} ms a "
                f"transaction, {AWS_READ_MS} ms a read)",
                round(own + (counted.writes * AWS_TRANSACTION_MS + reads * AWS_READ_MS) / 1000, 2),
                "< 29 (the function's timeout), with margin",
            ),
        ]
    for h in HISTORY_SIZES:
        if quick and h >= QUICK_SKIPS:
            continue
        r = _history(h)
        rows += [
            (
                f"GET /credits, {h:,} credits of history: items read / listed",
                round(r["list_ratio"], 2),
                "<= 1.1",
            ),
            (
                f"GET /credits, {h:,} of history: requests per page",
                round(r["list_requests_per_page"], 2),
                "1",
            ),
            (
                f"GET /credits?course_id=, {h:,} of history: items read / listed",
                round(r["course_ratio"], 2),
                "<= 1.1",
            ),
            (
                f"GET /credits/summary, {h:,} of history: items read / counted",
                round(r["summary_ratio"], 2),
                "<= 1.1",
            ),
            (
                f"GET /credits/summary, {h:,} of history: requests",
                r["summary_requests"],
                "1 per MB of open credit",
            ),
        ]
    return rows


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
