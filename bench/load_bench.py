"""Load benchmark: bench/load.py's mixed traffic from 50 learners, on a fresh local stack with 1, 2 and
4 worker processes per function.

`run()` returns rows (figure, measured value, goal); `python -m bench.load` (`make load`) prints the
full tables. BENCH_QUICK=1 sends 500 requests per run instead of 2,000.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.load import print_comparison, report, run_levels  # noqa: E402

LEARNERS = 50
LEVELS = [1, 2, 4]


def run() -> list[tuple[str, float, str]]:
    total = 500 if os.environ.get("BENCH_QUICK") else 2000

    def out(line: str) -> None:
        print(line, file=sys.stderr)

    results = run_levels(LEVELS, learners=LEARNERS, requests_total=total, out=out)
    print_comparison(results, out=out)
    return report(results)


if __name__ == "__main__":
    for figure, measured, goal in run():
        print(f"{figure} | {measured:.2f} | {goal}")
