"""The largest claim against the claims function's timeout, through the local stack; and moto's time
per credit update, with and without infra/moto_expressions.py.

1. Through the local stack, as `make run` starts it (`python -m infra.localstack`: the gateway, a
   worker pool per function, moto's server in a process of its own; infra/localstack/process.py):
   three courses, a premium learner with N credits (POST /admin/credits, 100 a request), a warm-up
   (POST /claims/preview of the same selections: the claims worker started, its copy of the
   catalogue loaded), then one POST /claims of N selections with an Idempotency-Key. Its wall time
   at the client against ClaimsFunction's `Timeout: 29` (template.yaml) is the figure: a ratio,
   goal < 1 with margin. The gateway's Server-Timing `lambda` (the handler's run) is printed too.
2. In process (moto in this process, as the in-process tests run it): a claim's credit update, as
   the claim writes it (`cme_ledger.store.claim_writes`), on a credit item as the claim finds it,
   100 a TransactWriteItems; milliseconds per update with the patch and with moto's own code.

N is 5,000 (API.md's maximum); BENCH_QUICK=1 makes it 1,000. `run()` returns rows (figure, measured
value, goal); `python bench/claim_stack_bench.py` prints them. Both figures depend on what else runs
on the machine: the run prints the load average before and after.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.backend import moto_stack, offline  # noqa: E402 - after the path setup above

TIMEOUT_SECONDS = 29.0  # ClaimsFunction's Timeout (template.yaml)
COURSES = ("em", "peds", "tox")
UPDATES = 1_000  # credit updates measured in process, each way


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def stack_claim(n: int) -> dict[str, Any]:
    """One POST /claims of n selections through a fresh local stack: seconds at the client."""
    import requests

    from bench.load import process_cpu
    from infra.localstack import auth
    from infra.localstack.process import start

    with tempfile.TemporaryDirectory() as tmp:
        stack = start(Path(tmp) / "stack.log")
        try:
            session = requests.Session()
            admin = {"Authorization": f"Bearer {auth.mint_token('bench-admin', admin=True)}"}
            learner = f"bench-{uuid.uuid4().hex[:8]}"
            mine = {"Authorization": f"Bearer {auth.mint_token(learner, name='Bench Learner')}"}

            def send(method: str, path: str, headers: dict[str, str], body: Any, status: int) -> Any:
                answer = session.request(method, stack.url + path, json=body, headers=headers, timeout=600)
                if answer.status_code != status:
                    raise RuntimeError(f"{method} {path} -> {answer.status_code}: {answer.text[:500]}")
                return answer

            for course in COURSES:
                course_body = {
                    "title": f"Course {course}",
                    "provider": "Bench",
                    "credit_types": ["AMA_PRA_1"],
                }
                send("PUT", f"/admin/courses/{course}", admin, course_body, 200)
            send(
                "PUT",
                f"/admin/members/{learner}/membership",
                admin,
                {"premium_until": "2099-01-01T00:00:00Z"},
                200,
            )
            items = [
                {
                    "user_id": learner,
                    "course_id": COURSES[i % len(COURSES)],
                    "topic": f"Topic {i:05d}",
                    "amount": 1,
                    "earned_at": f"2026-01-{i % 28 + 1:02d}T10:00:00Z",
                    "source_id": f"{learner}-{i}",
                }
                for i in range(n)
            ]
            ids: list[str] = []
            seeding = time.perf_counter()
            for first in range(0, n, 100):
                created = send("POST", "/admin/credits", admin, {"items": items[first : first + 100]}, 201)
                ids += [item["credit_id"] for item in created.json()["items"]]
            seeded = time.perf_counter() - seeding
            body = {"selections": [{"credit_id": credit_id} for credit_id in ids]}
            send("POST", "/claims/preview", mine, body, 200)  # the claims worker warm, its catalogue loaded
            load_before = _load()
            cpu_before = process_cpu(stack)
            began = time.perf_counter()
            answer = send("POST", "/claims", {**mine, "Idempotency-Key": f"bench-{n}"}, body, 201)
            seconds = time.perf_counter() - began
            cpu_after = process_cpu(stack)
            timing = dict(
                part.strip().split(";dur=")
                for part in answer.headers.get("Server-Timing", "").split(",")
                if ";dur=" in part
            )
            topics = sum(len(c["topics"]) for c in answer.json()["certificates"])
            if topics != n:
                raise RuntimeError(f"the claim has {topics} topics, not {n}")
            past_timeout = "longer than its Timeout" in stack.output()  # infra/localstack/pool.py warns
        finally:
            stack.stop()
    return {
        "seconds": seconds,
        "lambda_seconds": float(timing.get("lambda", "nan")) / 1000,
        "seeding_seconds": seeded,
        "load_before": load_before,
        "load_after": _load(),
        "warned_past_timeout": past_timeout,
        "cpu": {part: cpu_after[part] - cpu_before[part] for part in cpu_after},  # seconds, by process
    }


def update_ms(patched: bool, updates: int = UPDATES) -> float:
    """Milliseconds per claim credit update in moto in this process (100 a TransactWriteItems)."""
    from cme_ledger import clock
    from cme_ledger.store import keys
    from cme_ledger.store.claim_writes import _credit_update
    from cme_ledger.store.db import client, table_name
    from infra import moto_expressions, moto_patches
    from tests.support import make_course, make_premium, seed_credits

    offline()
    moto_patches.apply()
    if not patched:
        moto_expressions.remove()
    try:
        with moto_stack():
            make_course("em", types=["AMA_PRA_1"])
            make_premium("bench-learner")
            ids = seed_credits("bench-learner", "em", updates)
            now = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            pk = keys.user_pk("bench-learner")
            dynamodb = client()
            transactions = []
            for first in range(0, updates, 100):
                lines = [
                    SimpleNamespace(
                        credit_id=credit_id, amount=Decimal("1.00"), credit_amount=Decimal("1.00"), fills=True
                    )
                    for credit_id in ids[first : first + 100]
                ]
                transactions.append(
                    [_credit_update(table_name(), pk, "cl_bench", "AMA_PRA_1", line, now) for line in lines]
                )
            began = time.perf_counter()
            for items in transactions:
                dynamodb.transact_write_items(TransactItems=items)
            return (time.perf_counter() - began) * 1000 / updates
    finally:
        moto_expressions.apply()


def run() -> list[tuple[str, float, str]]:
    offline()
    n = 1_000 if os.environ.get("BENCH_QUICK") == "1" else 5_000
    print(f"  load average before: {_load()}", file=sys.stderr)
    own = update_ms(patched=False)
    fast = update_ms(patched=True)
    claim = stack_claim(n)
    print(
        f"  claim of {n:,} on the local stack: {claim['seconds']:.1f} s at the client, handler"
        f" {claim['lambda_seconds']:.1f} s (Server-Timing); seeding {claim['seeding_seconds']:.0f} s;"
        f" load average {claim['load_before']} before the claim, {claim['load_after']} after;"
        f" the stack warned of the timeout: {claim['warned_past_timeout']}; CPU seconds meanwhile: "
        + ", ".join(f"{part} {value:.1f}" for part, value in claim["cpu"].items()),
        file=sys.stderr,
    )
    return [
        (
            f"moto in process: ms per claim credit update, moto's own expressions ({UPDATES:,})",
            round(own, 2),
            "informational",
        ),
        (
            f"moto in process: ms per claim credit update, with moto_expressions ({UPDATES:,})",
            round(fast, 2),
            "informational",
        ),
        ("moto in process: credit update, own / patched", round(own / fast, 2), "informational"),
        (
            f"claim of {n:,} selections on the local stack: seconds",
            round(claim["seconds"], 2),
            "informational",
        ),
        (
            f"claim of {n:,} selections on the local stack: seconds / {TIMEOUT_SECONDS:.0f} s timeout",
            round(claim["seconds"] / TIMEOUT_SECONDS, 2),
            "< 1, with margin",
        ),
    ]


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
