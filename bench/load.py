"""A bounded load run against the local stack: mixed learner traffic, then the ledger's invariants.

`python -m bench.load` (what `make load` runs) starts a local stack (or uses `--url`), gives each of
`--learners` learners a premium membership and `--credits` credits in two courses through the admin
API, then runs a closed loop: one thread per learner sends its share of `--requests` requests one
after another, drawn from a fixed mix (list credits, summary, list claims, read a claim, preview,
claim, and `GET /health`). Every request's status is checked; afterwards each learner's credits are
accounted for (claimed + still claimable = seeded) and the audit must be clean.

It reports requests per second and p50/p99 latency per kind of request, and each as a ratio to
`GET /health` under the same load: the gateway and the Lambda emulation cost the same for every
route, so the ratio is what the route's own work adds.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from infra.localstack import auth  # noqa: E402 - after the path setup above
from infra.localstack.process import LocalStackProcess, start  # noqa: E402

# Relative weights of each kind of request in the mix.
MIX: dict[str, int] = {
    "health": 10,
    "list_credits": 20,
    "credit_summary": 10,
    "list_claims": 15,
    "get_claim": 10,
    "preview": 20,
    "claim": 15,
}
EXPECTED = {"claim": 201}  # every other kind answers 200
CREDIT_AMOUNTS = (Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.5"), Decimal("2"))


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float  # as the client saw it
    problem: str | None = None
    ran: float = 0.0  # the function's own run time, from the local gateway's Server-Timing header


def _ran_seconds(header: str | None) -> float:
    """`lambda;dur=12.3` of a Server-Timing header, in seconds (0 when absent)."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name == "lambda" and params.startswith("dur="):
            return float(params[4:]) / 1000
    return 0.0


@dataclass
class Learner:
    user_id: str
    token: str
    seeded: Decimal = Decimal(0)
    unclaimed: list[str] = field(default_factory=list)
    claim_ids: list[str] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}


@dataclass
class Result:
    learners: int
    requests: int
    seconds: float
    samples: list[Sample]
    problems: list[str]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def latencies(self) -> dict[str, Latency]:
        """Per kind of request, in ms."""
        seen: dict[str, list[float]] = defaultdict(list)
        ran: dict[str, list[float]] = defaultdict(list)
        for sample in self.samples:
            seen[sample.kind].append(sample.seconds * 1000)
            ran[sample.kind].append(sample.ran * 1000)
        out = {}
        for kind in sorted(seen):
            values, runs = sorted(seen[kind]), sorted(ran[kind])
            out[kind] = Latency(
                len(values), percentile(values, 50), percentile(values, 99), percentile(runs, 50)
            )
        return out


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p99: float
    ran_p50: float  # the function alone, without the wait for its turn


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


class Client:
    def __init__(self, base_url: str, admin_token: str) -> None:
        self.base_url = base_url
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = f"Bearer {admin_token}"

    def admin_call(self, method: str, path: str, body: Any) -> Any:
        response = self.admin.request(method, self.base_url + path, json=body, timeout=120)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response.json()


def populate(base_url: str, learners: int, credits_each: int, run_id: str) -> list[Learner]:
    """Two courses, `learners` premium learners with `credits_each` credits each (earned last year)."""
    client = Client(base_url, auth.mint_token("load-admin", admin=True, name="Load Admin"))
    courses = [f"load-{run_id}-{suffix}" for suffix in ("a", "b")]
    for index, course_id in enumerate(courses):
        client.admin_call(
            "PUT",
            f"/admin/courses/{course_id}",
            {"title": f"Load course {index + 1}", "provider": "Load", "credit_types": ["AMA_PRA_1"]},
        )
    now = datetime.now(UTC)
    until = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    people: list[Learner] = []
    items: list[dict[str, Any]] = []
    for number in range(learners):
        user_id = f"load-{run_id}-{number:03d}"
        learner = Learner(user_id, auth.mint_token(user_id, name=f"Learner {number}", expires_in=6 * 3600))
        people.append(learner)
        client.admin_call("PUT", f"/admin/members/{user_id}/membership", {"premium_until": until})
        for index in range(credits_each):
            amount = CREDIT_AMOUNTS[(number + index) % len(CREDIT_AMOUNTS)]
            learner.seeded += amount
            items.append(
                {
                    "user_id": user_id,
                    "course_id": courses[index % 2],
                    "topic": f"Topic {index + 1}",
                    "amount": float(amount),  # a JSON number; these amounts are exact in binary
                    "earned_at": (now - timedelta(days=200 - index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "source_id": f"{user_id}-{index}",
                }
            )
    by_user = {learner.user_id: learner for learner in people}
    for first in range(0, len(items), 100):
        batch = items[first : first + 100]
        answer = client.admin_call("POST", "/admin/credits", {"items": batch})
        for item, created in zip(batch, answer["items"], strict=True):
            by_user[item["user_id"]].unclaimed.append(created["credit_id"])
    return people


def _plan(learner_index: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed * 1_000_003 + learner_index)
    kinds = list(MIX)
    return rng.choices(kinds, weights=[MIX[k] for k in kinds], k=count)


def _pick(learner: Learner, rng: random.Random) -> list[str]:
    return rng.sample(learner.unclaimed, min(len(learner.unclaimed), rng.choice((1, 2))))


def _request(learner: Learner, base_url: str, kind: str, rng: random.Random) -> Sample:
    """One request of `kind` for `learner`; falls back to a list when there is nothing to act on."""
    method, path, body, headers = "GET", "/health", None, learner.headers()
    chosen: list[str] = []
    if kind == "list_credits":
        path = "/credits?limit=50"
    elif kind == "credit_summary":
        path = "/credits/summary"
    elif kind == "list_claims":
        path = "/claims?sort=" + rng.choice(("claimed_at", "earned_year", "credits"))
    elif kind == "get_claim":
        if learner.claim_ids:
            path = f"/claims/{rng.choice(learner.claim_ids)}"
        else:
            kind, path = "list_claims", "/claims"
    elif kind in ("preview", "claim"):
        chosen = _pick(learner, rng)
        if not chosen:
            kind, path = "credit_summary", "/credits/summary"
        else:
            method = "POST"
            path = "/claims/preview" if kind == "preview" else "/claims"
            body = {"credit_type": "AMA_PRA_1", "selections": [{"credit_id": c} for c in chosen]}
            if kind == "claim":
                headers = learner.headers(**{"Idempotency-Key": str(uuid.uuid4())})
    began = time.perf_counter()
    try:
        response = learner.session.request(method, base_url + path, json=body, headers=headers, timeout=120)
    except requests.RequestException as exc:
        return Sample(kind, 0, time.perf_counter() - began, f"{kind} {path}: {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - began
    ran = _ran_seconds(response.headers.get("Server-Timing"))
    expected = EXPECTED.get(kind, 200)
    if response.status_code != expected:
        problem = (
            f"{kind} {method} {path} -> {response.status_code} (expected {expected}): {response.text[:300]}"
        )
        return Sample(kind, response.status_code, elapsed, problem, ran)
    if kind == "claim":
        learner.claim_ids.append(response.json()["claim_id"])
        learner.unclaimed = [c for c in learner.unclaimed if c not in chosen]
    return Sample(kind, response.status_code, elapsed, None, ran)


def drive(
    base_url: str, people: list[Learner], total_requests: int, seed: int = 7
) -> tuple[float, list[Sample]]:
    """Closed loop: one thread per learner, each sending its share of the requests back to back."""
    shares = [
        total_requests // len(people) + (1 if i < total_requests % len(people) else 0)
        for i in range(len(people))
    ]
    samples: list[Sample] = []
    lock = threading.Lock()
    start_together = threading.Barrier(len(people))

    def run(index: int) -> None:
        learner = people[index]
        rng = random.Random(seed + index)
        mine = [
            _request(learner, base_url, kind, rng)
            for kind in _wait_then(start_together, _plan(index, shares[index], seed))
        ]
        with lock:
            samples.extend(mine)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        for future in [pool.submit(run, i) for i in range(len(people))]:
            future.result()
    return time.perf_counter() - began, samples


def _wait_then(barrier: threading.Barrier, plan: list[str]) -> list[str]:
    barrier.wait()
    return plan


def claimed_and_claimable(base_url: str, learner: Learner) -> tuple[Decimal, Decimal]:
    """(sum of the learner's claim totals, what the summary still offers), read through the API."""
    claimed = Decimal(0)
    cursor: str | None = None
    while True:
        query = "/claims?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = learner.session.get(base_url + query, headers=learner.headers(), timeout=60).json()
        claimed += sum((Decimal(str(item["total"])) for item in page["items"]), Decimal(0))
        cursor = page["next_cursor"]
        if not cursor:
            break
    summary = learner.session.get(base_url + "/credits/summary", headers=learner.headers(), timeout=60).json()
    return claimed, Decimal(str(summary["total"]))


def run_load(
    stack: LocalStackProcess,
    *,
    learners: int = 50,
    requests_total: int = 1000,
    credits_each: int = 16,
    seed: int = 7,
) -> Result:
    run_id = uuid.uuid4().hex[:8]
    base_url = stack.url
    people = populate(base_url, learners, credits_each, run_id)
    seconds, samples = drive(base_url, people, requests_total, seed)
    problems = [s.problem for s in samples if s.problem]
    for learner in people:
        claimed, claimable = claimed_and_claimable(base_url, learner)
        if claimed + claimable != learner.seeded:
            problems.append(
                f"{learner.user_id}: claimed {claimed} + claimable {claimable} != seeded {learner.seeded}"
            )
    problems += [f"audit: {line}" for line in stack.audit()]
    return Result(learners, len(samples), seconds, samples, problems)


def report(result: Result) -> list[tuple[str, float, str]]:
    """Rows (figure, measured, goal) for bench's table."""
    table = result.latencies()
    health = table["health"]
    rows: list[tuple[str, float, str]] = [
        (
            f"load: errors in {result.requests:,} requests from {result.learners} learners",
            len(result.problems),
            "0",
        ),
        (
            "load: requests per second (the local stack runs one API call at a time)",
            result.per_second,
            "informational",
        ),
        (
            "load: GET /health p50 ms under the load (p99 in the goal column)",
            health.p50,
            f"p99 {health.p99:.0f} ms",
        ),
    ]
    for kind, latency in table.items():
        if kind != "health":
            rows.append(
                (
                    f"load: {kind} p50 / GET /health p50 (p99 ratio; function's own p50 ratio)",
                    latency.p50 / health.p50,
                    f"{latency.p99 / health.p99:.2f}; {latency.ran_p50 / health.ran_p50:.1f}, informational",
                )
            )
    return rows


def print_result(result: Result, out: Callable[[str], None] = print) -> None:
    out(
        f"{result.requests:,} requests from {result.learners} learners in {result.seconds:.1f} s: "
        f"{result.per_second:.1f} requests/s"
    )
    table = result.latencies()
    health = table["health"]
    out(
        f"{'request':<15} {'count':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50/health':>10} {'p99/health':>10}"
        f" {'own p50 ms':>10} {'own/health':>10}"
    )
    for kind, lat in table.items():
        out(
            f"{kind:<15} {lat.count:>5} {lat.p50:>8.1f} {lat.p99:>8.1f} {lat.p50 / health.p50:>10.2f}"
            f" {lat.p99 / health.p99:>10.2f} {lat.ran_p50:>10.1f} {lat.ran_p50 / health.ran_p50:>10.1f}"
        )
    out("own: the function's run time alone (Server-Timing), without the wait for its turn")
    if result.problems:
        out(f"{len(result.problems)} problem(s):")
        for problem in result.problems[:50]:
            out(f"  {problem}")
    else:
        out("no error; every learner's credits add up; audit clean")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="total requests (default 2000)")
    parser.add_argument("--credits", type=int, default=16, help="credits per learner (default 16)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.learners < 1 or args.requests < args.learners or args.credits < 1:
        parser.error("need at least 1 learner, 1 credit each and as many requests as learners")
    result = with_local_stack(
        lambda stack: run_load(
            stack,
            learners=args.learners,
            requests_total=args.requests,
            credits_each=args.credits,
            seed=args.seed,
        )
    )
    print_result(result)
    return 1 if result.problems else 0


def with_local_stack(body: Callable[[LocalStackProcess], Result]) -> Result:
    """Run `body(stack)` against a fresh local stack without demo data or schedules."""
    with tempfile.TemporaryDirectory(prefix="cme-load-") as folder:
        stack = start(
            Path(folder) / "stack.log", args=("--no-seed", "--no-schedules", "--visibility-timeout", "2")
        )
        try:
            return body(stack)
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
