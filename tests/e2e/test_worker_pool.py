"""The local stack's worker pools (infra/localstack/pool.py): each function in processes of its own, as
Lambda's execution environments, started on demand up to the concurrency limit, one event at a time
each, with the SnapStart hooks run as Lambda's runtime runs them.

The function is tests/e2e/pool_functions/app.py; tests that need invocations inside at the same
time make them meet through files, and wait on conditions (a bound on a failure only).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from infra.localstack.pool import FunctionError, InitError, PooledRuntime, WorkerLost
from infra.localstack.stack import lambda_variables
from tests.stack import Api, LocalStackProcess, expect

pytestmark = pytest.mark.e2e

BOUND = 60.0  # seconds: bounds a failure only


def function(name: str = "PoolTestFunction", handler: str = "app.handler") -> tpl.Function:
    return tpl.Function(name, "tests/e2e/pool_functions", handler, {}, 30)


def environment_of(output_env: dict[str, str] | None = None) -> Callable[[tpl.Function], dict[str, str]]:
    def environment(fn: tpl.Function) -> dict[str, str]:
        return {
            **os.environ,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "MINE": f"only {fn.name}'s",
            **(output_env or {}),
            **{"AWS_LAMBDA_FUNCTION_NAME": fn.name},
        }

    return environment


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[Callable[..., PooledRuntime]]:
    made: list[PooledRuntime] = []
    outputs: list[Any] = []

    def make(concurrency: int, *, output: Path | None = None) -> PooledRuntime:
        stream = (output or tmp_path / f"workers-{len(made)}.log").open("ab")
        outputs.append(stream)
        runtime = PooledRuntime(environment_of(), concurrency, output=stream)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.stop()
    for stream in outputs:
        stream.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads at once; their results (or exceptions) in order."""
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_the_snapstart_hooks_run_as_lambdas_runtime_runs_them(
    make_runtime: Callable[..., PooledRuntime],
) -> None:
    runtime = make_runtime(1)
    fn = function()
    first = runtime.invoke(fn, {})
    # Before the snapshot, last registered first (AWS's runtime pops them); after the restore, in order,
    # before the first event.
    assert first["hooks"] == ["before-snapshot 2", "before-snapshot 1", "after-restore 1", "after-restore 2"]
    second = runtime.invoke(fn, {})
    assert second["pid"] == first["pid"]
    assert second["hooks"] == first["hooks"]  # once per execution environment, not per event
    counts = runtime.stats()[fn.name]
    assert counts["cold_starts"] == 1 and counts["invocations"] == 2
    assert len(counts["restore_ms"]) == 1


def test_workers_start_on_demand_up_to_the_limit_and_run_at_once(
    make_runtime: Callable[..., PooledRuntime], tmp_path: Path
) -> None:
    runtime = make_runtime(2)
    fn = function()
    meet = tmp_path / "meet"
    meet.mkdir()
    # Two invocations that only return once both are inside: two processes, running at the same time.
    event = {"action": "meet", "folder": str(meet), "count": 2}
    answers = in_threads([lambda: runtime.invoke(fn, event), lambda: runtime.invoke(fn, event)])
    assert all(isinstance(a, dict) for a in answers), answers
    assert answers[0]["pid"] != answers[1]["pid"]
    assert all(a["hooks"][-2:] == ["after-restore 1", "after-restore 2"] for a in answers)
    counts = runtime.stats()[fn.name]
    assert counts["cold_starts"] == 2 and counts["peak"] == 2
    # Warm now: more invocations reuse the two workers.
    pids = {runtime.invoke(fn, {})["pid"] for _ in range(4)}
    assert pids <= {answers[0]["pid"], answers[1]["pid"]}
    assert runtime.stats()[fn.name]["cold_starts"] == 2


def test_at_the_limit_an_invocation_waits_for_a_free_worker(
    make_runtime: Callable[..., PooledRuntime], tmp_path: Path
) -> None:
    runtime = make_runtime(1)
    fn = function()
    first_done: list[Any] = []
    holding = threading.Thread(
        target=lambda: first_done.append(runtime.invoke(fn, {"action": "hold", "folder": str(tmp_path)}))
    )
    holding.start()
    wait_until(lambda: (tmp_path / "held").exists(), "the first invocation never started")
    timings: list[Any] = []

    def second() -> None:
        timings.append(runtime.invoke(fn, {}))
        timings.append(runtime.last_timing())

    waiting = threading.Thread(target=second)
    waiting.start()
    wait_until(lambda: runtime.stats()[fn.name]["waiting"] == 1, "the second invocation never queued")
    (tmp_path / "go").touch()
    holding.join(BOUND)
    waiting.join(BOUND)
    answer, timing = timings
    assert answer["pid"] == first_done[0]["pid"]  # the one worker, one event at a time
    assert timing.queued > 0 and timing.init == 0
    counts = runtime.stats()[fn.name]
    assert counts["cold_starts"] == 1 and counts["peak"] == 1


def test_each_worker_has_its_functions_environment_and_logs_under_its_name(
    make_runtime: Callable[..., PooledRuntime], tmp_path: Path
) -> None:
    output = tmp_path / "workers.log"
    runtime = make_runtime(2, output=output)
    one, other = function("OneFunction"), function("OtherFunction")
    meet = tmp_path / "meet"
    meet.mkdir()
    asks = ["MINE", "AWS_LAMBDA_FUNCTION_NAME"]
    # The two functions at the same time (in one process, their log lines took each other's names).
    answers = in_threads(
        [
            lambda: runtime.invoke(one, {"action": "meet", "folder": str(meet), "count": 2, "env": asks}),
            lambda: runtime.invoke(other, {"action": "meet", "folder": str(meet), "count": 2, "env": asks}),
        ]
    )
    assert [a["env"] for a in answers] == [
        {"MINE": "only OneFunction's", "AWS_LAMBDA_FUNCTION_NAME": "OneFunction"},
        {"MINE": "only OtherFunction's", "AWS_LAMBDA_FUNCTION_NAME": "OtherFunction"},
    ]
    assert [a["context_function_name"] for a in answers] == ["OneFunction", "OtherFunction"]
    runtime.stop()  # the workers' output is flushed after every event; stopping ends them
    lines = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    handled = {(line["function_name"], line["cold_start"]) for line in lines if line["message"] == "handled"}
    assert handled == {("OneFunction", True), ("OtherFunction", True)}


def test_a_raising_handler_keeps_its_worker_and_a_dead_one_is_replaced(
    make_runtime: Callable[..., PooledRuntime],
) -> None:
    runtime = make_runtime(1)
    fn = function()
    pid = runtime.invoke(fn, {})["pid"]
    with pytest.raises(FunctionError, match="ValueError: asked to fail"):
        runtime.invoke(fn, {"action": "raise"})
    assert runtime.invoke(fn, {})["pid"] == pid  # as Lambda's runtime: the environment stays
    with pytest.raises(WorkerLost):
        runtime.invoke(fn, {"action": "exit"})
    fresh = runtime.invoke(fn, {})
    assert fresh["pid"] != pid
    assert fresh["hooks"][-2:] == ["after-restore 1", "after-restore 2"]  # its own restore
    counts = runtime.stats()[fn.name]
    assert (counts["cold_starts"], counts["errors"], counts["lost"], counts["live"]) == (2, 1, 1, 1)


def test_a_function_that_cannot_be_imported_fails_at_init(make_runtime: Callable[..., PooledRuntime]) -> None:
    runtime = make_runtime(1)
    missing = tpl.Function("MissingFunction", "functions/not-written-yet", "app.handler", {}, 3)
    with pytest.raises(InitError, match="init failed"):
        runtime.invoke(missing, {})
    with pytest.raises(InitError):
        runtime.load(missing)
    counts = runtime.stats()["MissingFunction"]
    assert counts["init_errors"] == 2 and counts["live"] == 0


def test_stopping_ends_every_worker_busy_or_idle(
    make_runtime: Callable[..., PooledRuntime], tmp_path: Path
) -> None:
    runtime = make_runtime(2)
    fn = function()
    outcome: list[Any] = []

    def hold() -> None:
        try:
            outcome.append(runtime.invoke(fn, {"action": "hold", "folder": str(tmp_path)}))
        except WorkerLost as exc:
            outcome.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    wait_until(lambda: (tmp_path / "held").exists(), "never held")
    runtime.invoke(fn, {})  # a second worker, idle after this
    assert runtime.stats()[fn.name]["live"] == 2
    runtime.stop()
    holder.join(BOUND)
    assert len(outcome) == 1 and isinstance(outcome[0], WorkerLost)  # abandoned, as Lambda abandons it
    assert runtime.stats()[fn.name]["live"] == 0
    with pytest.raises(WorkerLost):
        runtime.invoke(fn, {})


def test_lambdas_own_variables_come_from_the_template() -> None:
    variables = lambda_variables("ClaimsFunction")
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == "ClaimsFunction"
    assert variables["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/ClaimsFunction"
    assert variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"  # Globals' MemorySize
    # The API functions have SnapStart (template parameter SnapStart, Enabled by default); jobs do not.
    assert variables["AWS_LAMBDA_INITIALIZATION_TYPE"] == "snap-start"
    assert lambda_variables("ExpirySweepFunction")["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"


def test_the_served_stack_runs_functions_in_worker_pools(api: Api, local_stack: LocalStackProcess) -> None:
    expect(api.get("/health"), 200)
    pools = expect(api.get("/local/workers"), 200)
    assert pools["local_only"] is True and pools["concurrency"] >= 1
    [health] = [f.name for f in tpl.functions().values() if any(r.path == "/health" for r in f.routes)]
    counts = pools["functions"][health]
    assert counts["cold_starts"] >= 1 and counts["invocations"] >= 1
    assert counts["peak"] <= pools["concurrency"]
