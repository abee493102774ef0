"""A bounded load run against the local stack: mixed learner traffic, then the ledger's invariants.

`python -m bench.load` (what `make load` runs) does the same run on a fresh local stack for each
`--workers` value (default 1, 2 and 4: the stack's `--concurrency`, worker processes per function
at most). Each run gives each of `--learners` learners a premium membership and `--credits` credits
in two courses through the admin API, then runs a closed loop: one thread per learner sends its
share of `--requests` requests one after another, drawn from a fixed mix (list credits, summary,
list claims, read a claim, preview, claim, and `GET /health`). Every request's status is checked;
afterwards each learner's credits are accounted for (claimed + still claimable = seeded) and the
audit must be clean.

It reports requests per second, the cold starts the pools had (`GET /local/workers`), and per kind
of request the p50/p99 of the client's latency, of the function's own run and of the wait for a
free worker (the gateway's Server-Timing header: `lambda`, `queue`, and `init` for a request that
waited for a cold start), then the runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
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
    ran: float = 0.0  # the function's own run (Server-Timing `lambda`)
    queued: float = 0.0  # the wait for a free worker (Server-Timing `queue`)
    init: float = 0.0  # the cold start this request waited for (Server-Timing `init`; 0: a warm worker)


def server_timing(header: str | None) -> dict[str, float]:
    """`queue;dur=1.0, init;dur=2.0, lambda;dur=12.3` -> {"queue": 0.001, ...} in seconds."""
    found: dict[str, float] = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if params.startswith("dur="):
            found[name] = float(params[4:]) / 1000
    return found


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
    concurrency: int | None = None  # the stack's --concurrency (None: its default)
    # GET /local/workers after the timed requests: per function, cold starts, invocations, ...
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # CPU seconds spent during the timed requests by the stack's process (gateway, pollers), moto's
    # process and the functions' workers (Linux only: empty elsewhere).
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cold_starts(self) -> int:
        """Workers the pools started during the run (every function, background ones included)."""
        return sum(int(counts.get("cold_starts", 0)) for counts in self.workers.values())

    @property
    def cold_starts_seen(self) -> int:
        """Requests of the timed loop that waited for a cold start."""
        return sum(1 for sample in self.samples if sample.init > 0)

    def latencies(self) -> dict[str, Latency]:
        """Per kind of request, in ms."""
        seen: dict[str, list[float]] = defaultdict(list)
        ran: dict[str, list[float]] = defaultdict(list)
        queued: dict[str, list[float]] = defaultdict(list)
        for sample in self.samples:
            seen[sample.kind].append(sample.seconds * 1000)
            ran[sample.kind].append(sample.ran * 1000)
            queued[sample.kind].append(sample.queued * 1000)
        out = {}
        for kind in sorted(seen):
            values, runs, waits = sorted(seen[kind]), sorted(ran[kind]), sorted(queued[kind])
            out[kind] = Latency(
                len(values),
                percentile(values, 50),
                percentile(values, 99),
                percentile(runs, 50),
                percentile(runs, 99),
                percentile(waits, 50),
                percentile(waits, 99),
            )
        return out


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float  # as the client saw it
    p99: float
    ran_p50: float  # the function's own run
    ran_p99: float
    queue_p50: float  # the wait for a free worker
    queue_p99: float


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
    timing = server_timing(response.headers.get("Server-Timing"))
    spent = {
        "ran": timing.get("lambda", 0.0),
        "queued": timing.get("queue", 0.0),
        "init": timing.get("init", 0.0),
    }
    expected = EXPECTED.get(kind, 200)
    if response.status_code != expected:
        problem = (
            f"{kind} {method} {path} -> {response.status_code} (expected {expected}): {response.text[:300]}"
        )
        return Sample(kind, response.status_code, elapsed, problem, **spent)
    if kind == "claim":
        learner.claim_ids.append(response.json()["claim_id"])
        learner.unclaimed = [c for c in learner.unclaimed if c not in chosen]
    return Sample(kind, response.status_code, elapsed, None, **spent)


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


def worker_counts(base_url: str) -> dict[str, dict[str, Any]]:
    """The stack's pools (GET /local/workers, local only): per function, cold starts, invocations, ..."""
    answer = requests.get(base_url + "/local/workers", timeout=30)
    answer.raise_for_status()
    functions: dict[str, dict[str, Any]] = answer.json()["functions"]
    return functions


def settle(stack: LocalStackProcess, bound: float = 180.0) -> None:
    """Wait until the render queue is empty and no function is busy (at most `bound` seconds).

    The last claims of the loop are still being rendered when it ends, and the audit reads the
    ledger page by page: a claim made ready between the page of its credentials and the page of
    the claim itself would look like a ready claim without credentials.
    """
    import boto3

    environment = json.loads(stack.env_file.read_text(encoding="utf-8"))
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's, fake
    )
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(
            QueueUrl=environment["RENDER_QUEUE_URL"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(counts["ApproximateNumberOfMessages"]) + int(
            counts["ApproximateNumberOfMessagesNotVisible"]
        )
        busy = sum(int(pool.get("busy", 0)) for pool in worker_counts(stack.url).values())
        if waiting == 0 and busy == 0:
            return
        time.sleep(0.2)


def process_cpu(stack: LocalStackProcess) -> dict[str, float]:
    """CPU seconds so far of the stack's process ("stack": gateway, pollers), of moto's process and
    of the workers ("functions"), from /proc (Linux); {} where there is none."""
    try:
        tick = os.sysconf("SC_CLK_TCK")

        def seconds(pid: int) -> float:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

        pid = stack.process.pid
        children: list[int] = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                children += [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:  # a thread that ended while being listed
                continue
        # Every CPU's busy time (user, nice, system, irq, softirq, steal), for what else ran meanwhile.
        total = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        busy = (total[0] + total[1] + total[2] + total[5] + total[6] + total[7]) / tick
        out = {"stack": seconds(pid), "moto": 0.0, "functions": 0.0, "machine": busy}
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                out["moto" if b"moto_process" in command else "functions"] += seconds(child)
            except (FileNotFoundError, ProcessLookupError):  # a process that ended meanwhile
                continue
        return out
    except (OSError, ValueError):
        return {}


def run_load(
    stack: LocalStackProcess,
    *,
    learners: int = 50,
    requests_total: int = 1000,
    credits_each: int = 16,
    seed: int = 7,
    concurrency: int | None = None,
) -> Result:
    run_id = uuid.uuid4().hex[:8]
    base_url = stack.url
    people = populate(base_url, learners, credits_each, run_id)
    cpu_before = process_cpu(stack)
    seconds, samples = drive(base_url, people, requests_total, seed)
    cpu_after = process_cpu(stack)
    cpu = {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after} if cpu_before else {}
    workers = worker_counts(base_url)
    settle(stack)
    problems = [s.problem for s in samples if s.problem]
    for learner in people:
        claimed, claimable = claimed_and_claimable(base_url, learner)
        if claimed + claimable != learner.seeded:
            problems.append(
                f"{learner.user_id}: claimed {claimed} + claimable {claimable} != seeded {learner.seeded}"
            )
    problems += [f"audit: {line}" for line in stack.audit()]
    return Result(learners, len(samples), seconds, samples, problems, concurrency, workers, cpu)


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def report(results: list[Result]) -> list[tuple[str, float, str]]:
    """Rows (figure, measured, goal) for bench's table: each run, then the runs side by side."""
    rows: list[tuple[str, float, str]] = []
    first = results[0]
    for result in results:
        rows += [
            (
                f"load, {result.concurrency} worker(s) per function: errors in {result.requests:,} requests"
                f" from {result.learners} learners (credits conserved, audit)",
                len(result.problems),
                "0",
            ),
            (
                f"load, {result.concurrency} worker(s): requests per second (vs 1 worker in the goal column)",
                result.per_second,
                f"x{result.per_second / first.per_second:.2f}, informational",
            ),
            (
                f"load, {result.concurrency} worker(s): cold starts (requests that waited for one)",
                result.cold_starts,
                f"{result.cold_starts_seen}, informational",
            ),
        ]
        if result.cpu:
            per = {k: v * 1000 / result.requests for k, v in result.cpu.items() if k != "machine"}
            rows.append(
                (
                    f"load, {result.concurrency} worker(s): CPU ms per request (stack / moto / functions)",
                    sum(per.values()),
                    f"{per['stack']:.1f} / {per['moto']:.1f} / {per['functions']:.1f}, informational",
                )
            )
    kinds = sorted({kind for result in results for kind in result.latencies()})
    for kind in kinds:
        own = "; ".join(
            f"{r.concurrency}: {_ms(r.latencies()[kind].ran_p50)} / {_ms(r.latencies()[kind].ran_p99)}"
            for r in results
        )
        wait = "; ".join(
            f"{r.concurrency}: {_ms(r.latencies()[kind].queue_p50)} / {_ms(r.latencies()[kind].queue_p99)}"
            for r in results
        )
        rows.append(
            (
                f"load, {kind}: the function's own p50 ms at {first.concurrency} worker(s)"
                " (p50 / p99 at each number of workers)",
                first.latencies()[kind].ran_p50,
                own,
            )
        )
        rows.append(
            (
                f"load, {kind}: the wait for a worker, p50 ms at {first.concurrency} worker(s) (p50 / p99 at each)",
                first.latencies()[kind].queue_p50,
                wait,
            )
        )
    return rows


def print_result(result: Result, out: Callable[[str], None] = print) -> None:
    workers = f"{result.concurrency} worker(s) per function" if result.concurrency else "default workers"
    out(
        f"{workers}: {result.requests:,} requests from {result.learners} learners in {result.seconds:.1f} s:"
        f" {result.per_second:.1f} requests/s; {result.cold_starts} cold start(s)"
        f" ({result.cold_starts_seen} request(s) waited for one)"
    )
    table = result.latencies()
    out(
        f"{'request':<15} {'count':>5} {'client p50':>10} {'p99':>7} {'own p50':>8} {'p99':>7}"
        f" {'queue p50':>9} {'p99':>7}   (ms)"
    )
    for kind, lat in table.items():
        out(
            f"{kind:<15} {lat.count:>5} {lat.p50:>10.1f} {lat.p99:>7.0f} {lat.ran_p50:>8.1f} {lat.ran_p99:>7.0f}"
            f" {lat.queue_p50:>9.1f} {lat.queue_p99:>7.0f}"
        )
    if result.cpu:
        ours = {k: v for k, v in result.cpu.items() if k != "machine"}
        per = {k: v * 1000 / result.requests for k, v in ours.items()}
        others = max(0.0, result.cpu.get("machine", 0.0) - sum(ours.values()))
        out(
            f"CPU per request during the loop: stack (gateway, pollers) {per['stack']:.1f} ms, moto"
            f" {per['moto']:.1f} ms, functions {per['functions']:.1f} ms; on average {sum(ours.values()) / result.seconds:.2f}"
            f" CPUs busy with the stack and {others / result.seconds:.2f} with everything else"
            f" (the load run's own client included) of {os.cpu_count()}"
        )
    for name, counts in sorted(result.workers.items()):
        init = counts.get("init_ms") or []
        out(
            f"  {name}: {counts.get('cold_starts', 0)} cold start(s)"
            + (f" ({min(init):,.0f}-{max(init):,.0f} ms)" if init else "")
            + f", {counts.get('invocations', 0)} invocation(s), {counts.get('peak', 0)} worker(s) at most"
        )
    if result.problems:
        out(f"{len(result.problems)} problem(s):")
        for problem in result.problems[:50]:
            out(f"  {problem}")
    else:
        out("no error; every learner's credits add up; audit clean")


def print_comparison(results: list[Result], out: Callable[[str], None] = print) -> None:
    """The runs side by side: requests/s, its ratio to the first run, cold starts, errors."""
    first = results[0]
    out(f"{'workers':>7} {'requests/s':>10} {'vs first':>8} {'cold starts':>11} {'errors':>6}")
    for result in results:
        out(
            f"{result.concurrency or '-':>7} {result.per_second:>10.1f}"
            f" {result.per_second / first.per_second:>8.2f} {result.cold_starts:>11} {len(result.problems):>6}"
        )


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("at least one number of workers, each at least 1")
    return levels


def run_levels(
    levels: list[int],
    *,
    learners: int = 50,
    requests_total: int = 2000,
    credits_each: int = 16,
    seed: int = 7,
    out: Callable[[str], None] = print,
) -> list[Result]:
    """The same load on a fresh stack for each number of workers per function."""
    results = []
    for level in levels:

        def body(stack: LocalStackProcess, level: int = level) -> Result:
            return run_load(
                stack,
                learners=learners,
                requests_total=requests_total,
                credits_each=credits_each,
                seed=seed,
                concurrency=level,
            )

        result = with_local_stack(body, concurrency=level)
        print_result(result, out)
        out("")
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="total requests per run (default 2000)")
    parser.add_argument("--credits", type=int, default=16, help="credits per learner (default 16)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=_levels,
        default=[1, 2, 4],
        help="one run per value: worker processes per function at most (default 1,2,4)",
    )
    args = parser.parse_args(argv)
    if args.learners < 1 or args.requests < args.learners or args.credits < 1:
        parser.error("need at least 1 learner, 1 credit each and as many requests as learners")
    results = run_levels(
        args.workers,
        learners=args.learners,
        requests_total=args.requests,
        credits_each=args.credits,
        seed=args.seed,
    )
    print_comparison(results)
    return 1 if any(result.problems for result in results) else 0


def with_local_stack(
    body: Callable[[LocalStackProcess], Result], *, concurrency: int | None = None
) -> Result:
    """Run `body(stack)` against a fresh local stack without demo data or schedules."""
    args = ["--no-seed", "--no-schedules", "--visibility-timeout", "2"]
    if concurrency is not None:
        args += ["--concurrency", str(concurrency)]
    with tempfile.TemporaryDirectory(prefix="cme-load-") as folder:
        stack = start(Path(folder) / "stack.log", args=args)
        try:
            return body(stack)
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
