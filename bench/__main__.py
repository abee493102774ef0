"""`python -m bench` (what `make bench` runs): every benchmark, then one table of figure | measured | goal.

A benchmark that fails prints one clear line and the others still run; the exit status is 1 if any failed.
Set BENCH_QUICK=1 to skip the slowest case (the 5,000-credit claim under moto; on the local stack, a
claim of 1,000 instead).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

Row = tuple[str, float, str]


def _benches() -> list[tuple[str, Callable[[], list[Row]]]]:
    def lazy(module: str) -> Callable[[], list[Row]]:
        def run() -> list[Row]:
            imported = __import__(f"bench.{module}", fromlist=["run"])
            rows: list[Row] = imported.run()
            return rows

        return run

    return [
        ("imports", lazy("imports_bench")),
        ("claims", lazy("claims_bench")),
        ("claim on the local stack", lazy("claim_stack_bench")),
        ("render", lazy("render_bench")),
        ("sweep", lazy("sweep_bench")),
        ("reminders", lazy("reminders_bench")),
        ("requirements", lazy("requirements_bench")),
        ("progress", lazy("progress_bench")),
        ("load", lazy("load_bench")),
    ]


def _format(value: float) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def main() -> int:
    rows: list[Row] = []
    failed: list[str] = []
    for name, bench in _benches():
        began = time.perf_counter()
        print(f"running {name} benchmark ...", file=sys.stderr, flush=True)
        try:
            rows.extend(bench())
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not hide the others
            traceback.print_exc(file=sys.stderr)
            print(f"FAILED: {name} benchmark: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
        print(f"  {name} took {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)

    table = [("figure", "measured", "goal")] + [(f, _format(v), g) for f, v, g in rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for index, (figure, measured, goal) in enumerate(table):
        print(f"{figure:<{widths[0]}} | {measured:>{widths[1]}} | {goal}")
        if index == 0:
            print(f"{'-' * widths[0]}-+-{'-' * widths[1]}-+-{'-' * widths[2]}")
    for name in failed:
        print(f"FAILED: {name} benchmark (see the error above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
