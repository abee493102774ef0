"""Cold-start import benchmark: how long does each API handler module take to import in a fresh
process, relative to `import boto3` alone, and does any API handler pull in reportlab?

This is the cold start without SnapStart (first deploys, SnapStart=Disabled, regions without it):
with SnapStart, Lambda imports the handler once per published version and restores from the snapshot.

Each child interpreter imports one thing with Lambda's environment (tracing on, LAMBDA_TASK_ROOT set)
and reports the import's CPU time (time.process_time) and wall time around it. Runs go in pairs,
boto3 and the handler back to back (alternating which goes first), so that both halves of a pair
see the same load on the machine; a function's figure is the median over `RUNS` pairs of
handler / boto3. The goal is judged on CPU time: on a busy machine (2 CPUs shared by several
sessions) wall time also counts the time the child waited for a CPU, which has nothing to do with
the import. The wall-clock ratio is printed next to it.

The import holds what every invocation needs before it is routed; the resolver with its routes is
built on first use (cme_ledger/api/entry.py). That build is timed too, after the import, and
printed as (import + build) / boto3: what a cold start without SnapStart pays before its first
route runs. It is informational: it shows the share the first request carries.

`run()` returns rows (figure, measured value, goal); `python bench/imports_bench.py` prints them
with pass or fail. CME_IMPORT_RUNS sets the number of pairs (default 11).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

RUNS = int(os.environ.get("CME_IMPORT_RUNS", "11"))
RATIO_GOAL = 1.6
_DUMMY_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "TABLE_NAME": "bench-ledger",
    "BUCKET_NAME": "bench-certificates",
    "RENDER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-render",
    "CURSOR_SECRET": "bench-cursor-secret",
    "CURSOR_SECRET_ARN": "",
    "PUBLIC_BASE_URL": "",
    "POWERTOOLS_SERVICE_NAME": "cme-ledger",
    "POWERTOOLS_METRICS_NAMESPACE": "CmeLedger",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    # As in Lambda (template.yaml: Tracing Active): the tracer is on, and the X-Ray SDK sees Lambda's
    # variables, so it builds its Lambda sampler, not the daemon's (which makes an X-Ray client).
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
}

_MEASURE = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
{body}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
reportlab = "reportlab" in sys.modules
began = time.process_time()
{then}
build = time.process_time() - began
print(json.dumps({{"cpu": cpu, "wall": wall, "reportlab": reportlab, "build": build}}))
"""
# The handler's import, then (`build`, not part of the import) its resolver with the routes and all
# they import, which the first request builds (or SnapStart's before-snapshot hook: api/entry.py).
_HANDLER_CODE = _MEASURE.format(
    body="""import importlib.util
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)""",
    then="module.api.app",
)
_BOTO3_CODE = _MEASURE.format(body="import boto3", then="")
# What every API handler imports before any code of this project: Powertools' logger, metrics and
# tracer (botocore patched), the HTTP resolver with validation (pydantic, the OpenAPI parameter
# models) and pynamodb; with the collector kept out, as the handlers do. Informational: the part of
# the ratio that no change to this project's modules can remove.
_FLOOR_CODE = _MEASURE.format(
    body="""import gc
gc.collect(); gc.disable()
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
import pynamodb.models
Tracer(service="floor", patch_modules=["botocore"]); Logger(service="floor"); Metrics(namespace="Floor")
APIGatewayHttpResolver(enable_validation=True)
gc.freeze(); gc.enable()""",
    then="",
)

Sample = dict[str, float]


def _env(code_uri: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_PROFILE")}
    env.update(_DUMMY_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT / "layers" / "cme"), str(_ROOT), str(_ROOT / code_uri)])
    env["LAMBDA_TASK_ROOT"] = str(_ROOT / code_uri)
    for name in ("PYTHONDONTWRITEBYTECODE", "POWERTOOLS_TRACE_DISABLED"):
        env.pop(name, None)
    return env


def _child(code: str, env: dict[str, str], *args: str) -> Sample:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=str(_ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import failed in child: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "cpu": float(result["cpu"]),
        "wall": float(result["wall"]),
        "reportlab": float(result["reportlab"]),
        "build": float(result["build"]),
    }


def pairs(code: str, code_uri: str, *args: str, runs: int = RUNS) -> list[tuple[Sample, Sample]]:
    """`runs` pairs of (import boto3, `code`) in fresh interpreters, each pair back to back,
    alternating which goes first."""
    boto3_env, env = _env("."), _env(code_uri)
    _child(_BOTO3_CODE, boto3_env)  # warm the bytecode caches; not counted
    _child(code, env, *args)
    measured = []
    for index in range(runs):
        if index % 2:
            other = _child(code, env, *args)
            boto3 = _child(_BOTO3_CODE, boto3_env)
        else:
            boto3 = _child(_BOTO3_CODE, boto3_env)
            other = _child(code, env, *args)
        measured.append((boto3, other))
    return measured


def ratio(measured: list[tuple[Sample, Sample]], clock: str) -> float:
    """The median over pairs of handler / boto3 on `clock` ("cpu" or "wall")."""
    return statistics.median(handler[clock] / boto3[clock] for boto3, handler in measured)


def first_use_ratio(measured: list[tuple[Sample, Sample]]) -> float:
    """The median over pairs of (handler import + resolver build) / boto3, CPU time: what a cold
    start without SnapStart pays before its first route runs."""
    return statistics.median(
        (handler["cpu"] + handler["build"]) / boto3["cpu"] for boto3, handler in measured
    )


def run() -> list[tuple[str, float, str]]:
    from infra.template import functions

    api = {}
    for name, function in sorted(functions().items()):
        if function.routes:
            api[name] = function
    rows: list[tuple[str, float, str]] = []
    baseline: list[Sample] = []
    reportlab_seen = False
    for name, function in api.items():
        module = function.handler.rsplit(".", 1)[0]
        path = _ROOT / function.code_uri / f"{module.replace('.', '/')}.py"
        measured = pairs(_HANDLER_CODE, function.code_uri, str(path))
        baseline.extend(boto3 for boto3, _ in measured)
        reportlab_seen = reportlab_seen or any(handler["reportlab"] for _, handler in measured)
        rows.append(
            (
                f"import ratio {name} (handler / import boto3, CPU time, median of {len(measured)} pairs)",
                round(ratio(measured, "cpu"), 2),
                f"<= {RATIO_GOAL}",
            )
        )
        rows.append((f"same, {name}, wall clock", round(ratio(measured, "wall"), 2), "informational"))
        rows.append(
            (
                f"import + resolver built on first use, {name} / import boto3, CPU time",
                round(first_use_ratio(measured), 2),
                "informational",
            )
        )
    rows.insert(
        0,
        (
            "import boto3 alone, median CPU seconds (baseline)",
            round(statistics.median(s["cpu"] for s in baseline), 3),
            "informational",
        ),
    )
    rows.insert(
        1,
        (
            "import boto3 alone, median wall seconds",
            round(statistics.median(s["wall"] for s in baseline), 3),
            "informational",
        ),
    )
    floor = pairs(_FLOOR_CODE, ".")
    rows.append(
        (
            "framework floor (Powertools logger, metrics, tracer, resolver with validation, pydantic,"
            " pynamodb) / import boto3, CPU time",
            round(ratio(floor, "cpu"), 2),
            "informational",
        )
    )
    rows.append(("reportlab imported by API handlers", 1 if reportlab_seen else 0, "0"))
    return rows


def verdict(value: float, goal: str) -> str:
    """ "pass" or "FAIL" for a goal of the form "<= X" or an exact count; "" for informational."""
    if goal.startswith("<= "):
        return "pass" if value <= float(goal[3:]) else "FAIL"
    if goal.isdigit():
        return "pass" if value == int(goal) else "FAIL"
    return ""


if __name__ == "__main__":
    failed = False
    for figure, value, goal in run():
        outcome = verdict(value, goal)
        failed = failed or outcome == "FAIL"
        print(f"{figure}: {value} (goal {goal}) {outcome}".rstrip())
    sys.exit(1 if failed else 0)
