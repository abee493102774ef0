"""Progress request benchmark: what one GET /me/requirements/progress costs in requests to DynamoDB.

Under moto (the stack built from template.yaml), with the real handler: a learner with 5 years of
credit (2,000 credits over two courses; 1,700 claimed in claims of 100 lines under AMA PRA 1 or
ACEP, 300 of those under both, so 2,000 claim lines; 300 unclaimed) and 100 external credits,
following all 8 shipped sets.
The figures: DynamoDB requests of one progress request by operation, the learner partition's size
(DynamoDB's item sizes, summed) and its 1 MB pages, so "at most one Query per 1 MB page" can be
read off; the same for the explanation (which also reads the catalogue for claim suggestions);
and the wall time of each under moto. `run()` returns rows; `python bench/progress_bench.py` prints them.
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.backend import moto_stack, offline  # noqa: E402 - after the path setup above

LEARNER = "bench-renewal"
CREDITS = 2_000
CLAIM_SIZE = 100
UNCLAIMED = 300  # the last ones, never claimed: the explanation's suggestions
TWICE = 300  # the first ones, claimed under both types
LINES = CREDITS - UNCLAIMED + TWICE
EXTERNAL = 100
MB = 1024 * 1024
FIRST_DAY = datetime(2021, 7, 1, 15, 0, tzinfo=UTC)


def _learner() -> None:
    """Courses, 2,000 credits over 5 years, 20 claims of 100, 100 external credits, all 8 sets."""
    import secrets

    from cme_ledger import clock
    from cme_ledger.domain.credits import NewCredit, build_credit
    from cme_ledger.domain.requirements import requirement_sets
    from cme_ledger.services.catalog import courses_by_id
    from cme_ledger.store import credits as credit_store
    from tests.support import admin, call, make_premium

    for course_id, topics in (("em", ["patient_safety"]), ("pain", ["pain_management", "self_assessment"])):
        body = {
            "title": course_id,
            "provider": "Bench",
            "credit_types": ["AMA_PRA_1", "ACEP"],
            "topics": topics,
            "claim_window_years": 10,  # 5 years of credit, all still claimable
        }
        assert admin("PUT", f"/admin/courses/{course_id}", body=body).status == 200
    make_premium(LEARNER)
    courses, now = courses_by_id(), clock.now()
    credits = []
    for i in range(CREDITS):
        course = "em" if i % 3 else "pain"
        earned = FIRST_DAY + timedelta(days=i * 5 * 365 // CREDITS)
        item = NewCredit(LEARNER, course, f"Topic {i}", Decimal("1.25"), f"b{i}", earned)
        credits.append(build_credit(item, courses[course], now, secrets.token_hex(5)))
    credit_store.save_all(credits)
    ids = [c.credit_id for c in credits]
    batches = [
        (start, "AMA_PRA_1" if (start // CLAIM_SIZE) % 2 else "ACEP")
        for start in range(0, CREDITS - UNCLAIMED, CLAIM_SIZE)
    ]
    batches += [
        (start, "ACEP" if (start // CLAIM_SIZE) % 2 else "AMA_PRA_1") for start in range(0, TWICE, CLAIM_SIZE)
    ]
    for start, credit_type in batches:
        chosen = ids[start : start + CLAIM_SIZE]
        body = {"credit_type": credit_type, "selections": [{"credit_id": c} for c in chosen]}
        reply = call("POST", "/claims", user=LEARNER, body=body)
        assert reply.status == 201, reply
    for i in range(EXTERNAL):
        body = {
            "title": f"Conference {i}",
            "provider": "Elsewhere",
            "credit_type": ["AMA_PRA_2", "AOA_1A", "ABP_MOC_4", "ACEP"][i % 4],
            "amount": 2.5,
            "completed_on": (FIRST_DAY + timedelta(days=i * 18)).date().isoformat(),
        }
        assert call("POST", "/me/external-credits", user=LEARNER, body=body).status == 201
    chosen_sets = [{"code": code, "cycle_start": "2024-01-01"} for code in requirement_sets()]
    assert call("PUT", "/me/requirements", user=LEARNER, body={"items": chosen_sets}).status == 200


def _partition_bytes() -> tuple[int, int]:
    """(items, bytes) of the learner's partition, by DynamoDB's item size rules."""
    from cme_ledger.store import keys
    from cme_ledger.store.db import client, table_name
    from tests.integration.test_claim_item_sizes import item_size

    count = size = 0
    for page in (
        client()
        .get_paginator("query")
        .paginate(
            TableName=table_name(),
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.user_pk(LEARNER)}},
        )
    ):
        for item in page["Items"]:
            count += 1
            size += item_size(item)
    return count, size


def _measured(path: str) -> tuple[Counter[str], float, float, Any]:
    """DynamoDB requests by kind, seconds in all, seconds inside DynamoDB (moto) calls, the answer."""
    from botocore.client import BaseClient

    from tests.support import call

    calls: Counter[str] = Counter()
    inside = [0.0]
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            partition = api_params.get("KeyConditionExpression") == "pk = :pk"
            calls["Query (learner partition)" if partition else operation_name] += 1
        began = time.perf_counter()
        try:
            return original(self, operation_name, api_params)
        finally:
            inside[0] += time.perf_counter() - began

    setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
    began = time.perf_counter()
    try:
        reply = call("GET", path, user=LEARNER)
    finally:
        seconds = time.perf_counter() - began
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
    if reply.status != 200:
        raise RuntimeError(f"GET {path} answered {reply.status}: {str(reply.body)[:300]}")
    return calls, seconds, inside[0], reply.body


def run() -> list[tuple[str, float, str]]:
    offline()
    from infra import moto_patches

    moto_patches.apply()
    with moto_stack():
        began = time.perf_counter()
        _learner()
        print(f"  set up the learner in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        items, size = _partition_bytes()
        pages = math.ceil(size / MB)
        progress, progress_s, progress_aws, body = _measured("/me/requirements/progress")
        explanation, explanation_s, explanation_aws, _ = _measured("/me/requirements/explanation")
    assert len(body["items"]) == 8
    partition_queries = progress["Query (learner partition)"]
    for name, calls in (("progress", progress), ("explanation", explanation)):
        print(f"  {name}: DynamoDB {dict(calls)}", file=sys.stderr)
    return [
        (
            f"progress: learner partition ({items:,} items, {size / MB:.2f} MB = {pages} page(s) of 1 MB): "
            "Query requests per page",
            round(partition_queries / pages, 2),
            "<= 1",
        ),
        ("progress: DynamoDB requests of any other kind", sum(progress.values()) - partition_queries, "0"),
        (
            "explanation: DynamoDB requests besides the partition's Queries (the catalogue)",
            sum(explanation.values()) - explanation["Query (learner partition)"],
            "1",
        ),
        (
            f"progress: ms outside DynamoDB calls (items to data, {LINES:,} lines x 8 sets, JSON)",
            round((progress_s - progress_aws) * 1000, 1),
            "informational",
        ),
        (
            f"explanation: ms outside DynamoDB calls (with suggestions from {UNCLAIMED} unclaimed credits)",
            round((explanation_s - explanation_aws) * 1000, 1),
            "informational",
        ),
        (
            "progress: ms in all under moto (moto's answers dominate)",
            round(progress_s * 1000, 1),
            "informational",
        ),
    ]


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
