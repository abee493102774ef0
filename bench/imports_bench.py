"""Cold-start import benchmark: how long does each API handler module take to import in a fresh process,
relative to `import boto3` alone, and does any API handler pull in reportlab?

Each figure is the median over `RUNS` fresh interpreters; the time is measured inside the child with
time.perf_counter around the import. `run()` returns rows (figure, measured value, goal);
`python bench/imports_bench.py` prints them.
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

RUNS = 7
RATIO_GOAL = 1.25
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

_HANDLER_CODE = """
import importlib.util, json, sys, time
path = sys.argv[1]
began = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", path)
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
elapsed = time.perf_counter() - began
print(json.dumps({"seconds": elapsed, "reportlab": "reportlab" in sys.modules}))
"""

_BOTO3_CODE = """
import json, sys, time
began = time.perf_counter()
import boto3
elapsed = time.perf_counter() - began
print(json.dumps({"seconds": elapsed, "reportlab": "reportlab" in sys.modules}))
"""


def _env(code_uri: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_PROFILE")}
    env.update(_DUMMY_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT / "layers" / "cme"), str(_ROOT), str(_ROOT / code_uri)])
    env["LAMBDA_TASK_ROOT"] = str(_ROOT / code_uri)
    for name in ("PYTHONDONTWRITEBYTECODE", "POWERTOOLS_TRACE_DISABLED"):
        env.pop(name, None)
    return env


def _child(code: str, env: dict[str, str], *args: str) -> dict[str, object]:
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
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(code: str, env: dict[str, str], *args: str) -> tuple[float, bool]:
    _child(code, env, *args)  # warm the bytecode cache; not counted
    results = [_child(code, env, *args) for _ in range(RUNS)]
    seconds = statistics.median(float(str(r["seconds"])) for r in results)
    return seconds, any(bool(r["reportlab"]) for r in results)


def run() -> list[tuple[str, float, str]]:
    from infra.template import functions

    api = {name: f for name, f in functions().items() if f.routes}
    boto3_seconds, _ = _median(_BOTO3_CODE, _env("."))
    rows: list[tuple[str, float, str]] = [
        ("import boto3, median seconds (baseline)", round(boto3_seconds, 3), "informational"),
    ]
    reportlab_seen = False
    for name, function in sorted(api.items()):
        module = function.handler.rsplit(".", 1)[0]
        path = _ROOT / function.code_uri / f"{module.replace('.', '/')}.py"
        seconds, reportlab = _median(_HANDLER_CODE, _env(function.code_uri), str(path))
        reportlab_seen = reportlab_seen or reportlab
        rows.append(
            (
                f"import ratio {name} (handler import / import boto3)",
                round(seconds / boto3_seconds, 2),
                f"<= {RATIO_GOAL}",
            )
        )
    rows.append(("reportlab imported by API handlers", 1 if reportlab_seen else 0, "0"))
    return rows


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
