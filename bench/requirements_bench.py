"""Requirement progress benchmark: is the pure evaluator fast enough to run on every progress request?

One learner with 5 years of credit (2,000 lines: claims under every credit type, some credits claimed
under two types, external credit, a few revoked certificates, topic tags and live activities) follows
all 8 shipped sets. The figure is the median over `RUNS` calls of `evaluate_all` (the rule data is
loaded once before, as a warm Lambda has it), in the middle of every cycle; then the same learner six
months into new cycles, with 300 unclaimed credits, so that most rules are unmet and each unmet rule
recounts itself once per credit type it could suggest; and the first load of the rule data. `run()` returns rows (figure, measured value, goal);
`python bench/requirements_bench.py` prints them.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "layers" / "cme", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from cme_ledger.domain.requirements import (  # noqa: E402 - after the path setup above
    ChosenSet,
    ClaimableCredit,
    CreditLine,
    evaluate_all,
    requirement_catalogue,
)

LINES = 2_000
UNCLAIMED = 300
RUNS = 25
GOAL_MS = 50
FIRST_DAY = date(2021, 1, 1)
ON = date(2025, 12, 31)
TYPES = [  # weighted toward what learners claim most
    *["AMA_PRA_1"] * 6,
    *["AAFP_PRESCRIBED", "ACEP", "AAPA_1", "ABP_MOC_2", "ABIM_MOC"] * 2,
    "AAP",
    "ANCC_CNE",
    "STATE",
]
EXTERNAL_TYPES = ["AMA_PRA_2", "AOA_1A", "AAPA_2", "ABP_MOC_4", "AAFP_ELECTIVE"]
TAGS = [
    "pain_management",
    "end_of_life_care",
    "patient_safety",
    "ethics",
    "teaching",
    "self_assessment",
    "performance_improvement",
    "substance_use_disorders",
    "practice_management",
    "professional_enrichment",
]
AMOUNTS = [Decimal(a) for a in ("0.25", "0.5", "0.75", "1", "1.25", "1.5", "2", "3")]


def learner_lines(rng: random.Random) -> list[CreditLine]:
    lines: list[CreditLine] = []
    while len(lines) < LINES:
        n = len(lines)
        earned = FIRST_DAY + timedelta(days=rng.randrange(5 * 365))
        topics = frozenset(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))))
        live = rng.random() < 0.3
        amount = rng.choice(AMOUNTS)
        if n % 10 == 9:
            credit_type = rng.choice(EXTERNAL_TYPES)
            lines.append(CreditLine("external", f"x{n}", f"x{n}", credit_type, amount, earned, topics, live))
            continue
        credit_id = f"c{n}"
        revoked = n % 151 == 0
        for credit_type in {rng.choice(TYPES) for _ in range(1 if rng.random() < 0.8 else 2)}:
            line_id = f"claim{n}:{credit_type}"
            lines.append(
                CreditLine("claim", line_id, credit_id, credit_type, amount, earned, topics, live, revoked)
            )
    return lines[:LINES]


def unclaimed_credit(rng: random.Random) -> list[ClaimableCredit]:
    return [
        ClaimableCredit(
            f"u{i}",
            rng.choice(TYPES),
            rng.choice(AMOUNTS),
            FIRST_DAY + timedelta(days=rng.randrange(5 * 365)),
            frozenset(rng.sample(TAGS, rng.choice((0, 1)))),
        )
        for i in range(UNCLAIMED)
    ]


def _median_ms(chosen: list[ChosenSet], lines: list[CreditLine], claimable: list[ClaimableCredit]) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        evaluate_all(chosen, ON, lines, claimable)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def run() -> list[tuple[str, float, str]]:
    began = time.perf_counter()
    catalogue = requirement_catalogue()
    load_ms = (time.perf_counter() - began) * 1000
    rng = random.Random(2026)
    lines, claimable = learner_lines(rng), unclaimed_credit(rng)
    mid_cycle = [ChosenSet(code, date(2023, 1, 1)) for code in catalogue.sets]
    new_cycle = [ChosenSet(code, date(2025, 7, 1)) for code in catalogue.sets]
    progress = evaluate_all(new_cycle, ON, lines, claimable)  # warm-up, and a check that it all ran
    assert len(progress) == len(catalogue.sets) == 8
    suggested = sum(len(r.suggestions) for p in progress for r in p.rules)
    unmet = sum(not r.met for p in progress for r in p.rules)
    assert suggested, "the second figure is meant to exercise the claim suggestions"
    plain = _median_ms(mid_cycle, lines, [])
    with_suggestions = _median_ms(new_cycle, lines, claimable)
    return [
        (
            f"requirement progress, {LINES:,} lines (5 years) x {len(mid_cycle)} sets: median ms of {RUNS}",
            round(plain, 2),
            f"< {GOAL_MS}",
        ),
        (
            f"same, 6 months into new cycles ({unmet} rules unmet) with {UNCLAIMED} unclaimed credits "
            f"({suggested} claim suggestions): median ms",
            round(with_suggestions, 2),
            f"< {GOAL_MS}",
        ),
        ("requirement rule data: first load and check, ms", round(load_ms, 2), "informational"),
    ]


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
