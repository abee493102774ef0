"""Load benchmark: bench/load.py's mixed traffic from 50 learners on a fresh local stack.

`run()` returns rows (figure, measured value, goal); `python -m bench.load` prints the full table.
BENCH_QUICK=1 sends 500 requests instead of 2,000.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.load import print_result, report, run_load, with_local_stack  # noqa: E402

LEARNERS = 50


def run() -> list[tuple[str, float, str]]:
    total = 500 if os.environ.get("BENCH_QUICK") else 2000
    result = with_local_stack(lambda stack: run_load(stack, learners=LEARNERS, requests_total=total))
    print_result(result, out=lambda line: print(line, file=sys.stderr))
    return report(result)


if __name__ == "__main__":
    for figure, measured, goal in run():
        print(f"{figure} | {measured:.2f} | {goal}")
