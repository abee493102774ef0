"""Each kind of requirement rule on small hand-made sets: what counts, what a cap cuts, what a weight adds.

The sets go through the real loader (tests/unit/requirements_support.py), with 2-year cycles from
2024-01-01: the cycle asked about is 2024-01-01..2025-12-31 unless a case says otherwise.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cme_ledger.domain.requirements import (
    ChosenSet,
    ClaimableCredit,
    CreditLine,
    UnknownRequirementSet,
    evaluate,
    evaluate_all,
    local_date,
    progress_view,
)
from cme_ledger.domain.requirements.cycles import cycle_bounds, cycle_index
from tests.unit.requirements_support import TOTAL_100, line, make_set

START = date(2024, 1, 1)
ON = date(2024, 6, 1)
ROOT = Path(__file__).resolve().parents[2]


def minimum(rule: str, required: int, **selector: Any) -> dict[str, Any]:
    return {"rule": rule, "kind": "minimum", "required": required, "description": rule, **selector}


def cap(rule: str, limit: int, per: str = "cycle", **selector: Any) -> dict[str, Any]:
    return {"rule": rule, "kind": "cap", "limit": limit, "per": per, "description": rule, **selector}


@dataclass
class Case:
    """Rules and lines in; per rule the expected (counted, remaining) out (remaining None: a modifier)."""

    name: str
    rules: list[dict[str, Any]]
    lines: list[CreditLine]
    expected: dict[str, tuple[str, str | None]]
    met: bool
    cut: dict[str, str] = field(default_factory=dict)


CASES = [
    Case(
        "total: accepted types earned inside the cycle, first and last day included",
        [TOTAL_100],
        [
            line("a", "AAPA_1", "20", "2024-01-01"),
            line("b", "AMA_PRA_1", "40", "2024-02-01"),
            line("c", "ACEP", "30", "2025-12-31"),
            line("other-type", "ABIM_MOC", "50", "2024-05-01"),
            line("before", "AMA_PRA_1", "10", "2023-12-31"),
            line("after", "AMA_PRA_1", "10", "2026-01-01"),
        ],
        {"total": ("90", "10")},
        met=False,
    ),
    Case(
        "minimum by credit type",
        [TOTAL_100, minimum("acep", 60, credit_types=["ACEP"])],
        [line("a", "ACEP", "50", "2024-03-01"), line("b", "AMA_PRA_1", "60", "2024-03-02")],
        {"total": ("110", "0"), "acep": ("50", "10")},
        met=False,
    ),
    Case(
        "minimum by topic tag: a line with any of the tags",
        [TOTAL_100, minimum("safety", 20, topics=["patient_safety"])],
        [
            line("a", "AMA_PRA_1", "15", "2024-03-01", ["patient_safety"]),
            line("b", "AMA_PRA_1", "10", "2024-03-02", ["ethics"]),
            line("c", "ACEP", "5", "2024-03-03", ["ethics", "patient_safety"]),
        ],
        {"total": ("30", "70"), "safety": ("20", "0")},
        met=False,
    ),
    Case(
        "minimum of live activities",
        [TOTAL_100, minimum("live", 25, live=True)],
        [line("a", "AMA_PRA_1", "20", "2024-03-01", live=True), line("b", "AMA_PRA_1", "80", "2024-03-02")],
        {"total": ("100", "0"), "live": ("20", "5")},
        met=False,
    ),
    Case(
        "cap per cycle: 70 teaching credits count as 60, the later line is cut",
        [TOTAL_100, cap("teaching_cap", 60, topics=["teaching"])],
        [
            line("t1", "AMA_PRA_1", "40", "2024-03-01", ["teaching"]),
            line("t2", "AMA_PRA_1", "30", "2024-04-01", ["teaching"]),
            line("x", "AMA_PRA_1", "20", "2024-05-01"),
        ],
        {"total": ("80", "20"), "teaching_cap": ("60", None)},
        met=False,
        cut={"total": "10", "teaching_cap": "10"},
    ),
    Case(
        "cap per calendar year: 80 earned in 2024 count 60, 2025 has its own 60",
        [TOTAL_100, cap("yearly", 60, "calendar_year")],
        [
            line("a", "AMA_PRA_1", "50", "2024-03-01"),
            line("b", "AMA_PRA_1", "30", "2024-12-31"),
            line("c", "AMA_PRA_1", "40", "2025-01-01"),
        ],
        {"total": ("100", "0"), "yearly": ("100", None)},
        met=True,
        cut={"total": "20", "yearly": "20"},
    ),
    Case(
        "a cap applies to every rule it touches: the capped category counts 60 toward the minimum too",
        [TOTAL_100, minimum("acep", 70, credit_types=["ACEP"]), cap("teaching_cap", 60, topics=["teaching"])],
        [line("t", "ACEP", "70", "2024-03-01", ["teaching"]), line("x", "ACEP", "10", "2024-03-02")],
        {"total": ("70", "30"), "acep": ("70", "0"), "teaching_cap": ("60", None)},
        met=False,
        cut={"total": "10", "acep": "10"},
    ),
    Case(
        "weight x1.5 on a category of type and topic: 10 self-assessment credits count 15",
        [
            TOTAL_100,
            {
                "rule": "sa",
                "kind": "weight",
                "factor": Decimal("1.5"),
                "credit_types": ["AAPA_1"],
                "topics": ["self_assessment"],
                "description": "x1.5",
            },
        ],
        [
            line("a", "AAPA_1", "10", "2024-03-01", ["self_assessment"]),
            line("b", "AMA_PRA_1", "10", "2024-03-02", ["self_assessment"]),  # not of the weighted type
        ],
        {"total": ("25", "75"), "sa": ("15", None)},
        met=False,
    ),
    Case(
        "weight x2 for the first 20 credits of the cycle, in earned order",
        [
            TOTAL_100,
            {
                "rule": "pi",
                "kind": "weight",
                "factor": 2,
                "first": 20,
                "topics": ["performance_improvement"],
                "description": "x2 first 20",
            },
        ],
        [
            line("c", "AMA_PRA_1", "5", "2024-04-01", ["performance_improvement"]),
            line("a", "AMA_PRA_1", "15", "2024-02-01", ["performance_improvement"]),
            line("b", "AMA_PRA_1", "10", "2024-03-01", ["performance_improvement"]),
        ],
        {"total": ("50", "50"), "pi": ("50", None)},  # 15*2 + (5*2 + 5) + 5
        met=False,
    ),
    Case(
        "one-time rule: earned at any time up to the cycle's end, not after",
        [
            TOTAL_100,
            {
                "rule": "pain",
                "kind": "one_time",
                "required": 12,
                "topics": ["pain_management"],
                "description": "12 once",
            },
        ],
        [
            line("old", "AMA_PRA_1", "6", "2019-05-01", ["pain_management"]),
            line("now", "AMA_PRA_1", "4", "2024-05-01", ["pain_management"]),
            line("later", "AMA_PRA_1", "5", "2026-02-01", ["pain_management"]),
        ],
        {"total": ("4", "96"), "pain": ("10", "2")},
        met=False,
    ),
    Case(
        "one credit claimed under two accepted types counts once per rule (the larger claim)",
        [TOTAL_100, minimum("acep", 1, credit_types=["ACEP"])],
        [
            line("ama", "AMA_PRA_1", "1", "2024-03-01", credit="c1"),
            line("acep", "ACEP", "1", "2024-03-01", credit="c1"),
            line("ama2", "AMA_PRA_1", "0.5", "2024-03-02", credit="c2"),
            line("acep2", "ACEP", "1.25", "2024-03-02", credit="c2"),
            line("part1", "AMA_PRA_1", "0.5", "2024-03-03", credit="c3"),  # two claims of parts of one credit
            line("part2", "AMA_PRA_1", "0.25", "2024-03-03", credit="c3"),
        ],
        {"total": ("3", "97"), "acep": ("2.25", "0")},
        met=False,
    ),
    Case(
        "a revoked certificate's lines count toward nothing; external credit counts",
        [TOTAL_100],
        [
            line("revoked", "AMA_PRA_1", "60", "2024-03-01", revoked=True),
            line("ext", "AMA_PRA_1", "99.99", "2024-03-02", source="external"),
        ],
        {"total": ("99.99", "0.01")},
        met=False,
    ),
    Case(
        "Decimal exactness: 0.1 + 0.2 is 0.3, and 1.5 x 0.25 is 0.375",
        [
            {"rule": "total", "kind": "total", "required": Decimal("0.675"), "description": "0.675"},
            {
                "rule": "sa",
                "kind": "weight",
                "factor": Decimal("1.5"),
                "topics": ["self_assessment"],
                "description": "x1.5",
            },
        ],
        [
            line("a", "AMA_PRA_1", "0.1", "2024-03-01"),
            line("b", "AMA_PRA_1", "0.2", "2024-03-02"),
            line("c", "AAPA_1", "0.25", "2024-03-03", ["self_assessment"]),
        ],
        {"total": ("0.675", "0")},
        met=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule_kinds(case: Case) -> None:
    requirement_set = make_set(case.rules)

    progress = evaluate(requirement_set, START, ON, case.lines)

    assert (progress.cycle_start, progress.cycle_end) == (date(2024, 1, 1), date(2025, 12, 31))
    got = {r.rule: (r.counted, r.remaining) for r in progress.rules if r.rule in case.expected}
    want = {
        rule: (Decimal(counted), None if remaining is None else Decimal(remaining))
        for rule, (counted, remaining) in case.expected.items()
    }
    assert got == want
    assert progress.met is case.met
    for rule, cut in case.cut.items():
        assert progress.rule(rule).cut == Decimal(cut)


def test_a_cap_explains_which_line_it_cut() -> None:
    requirement_set = make_set([TOTAL_100, cap("teaching_cap", 60, topics=["teaching"])])
    lines = [
        line("t1", "AMA_PRA_1", "40", "2024-03-01", ["teaching"]),
        line("t2", "AMA_PRA_1", "30", "2024-04-01", ["teaching"]),
    ]

    total = evaluate(requirement_set, START, ON, lines).rule("total")

    first, second = total.lines
    assert (first.line_id, first.counted, first.cut_by) == ("t1", Decimal(40), None)
    assert (second.line_id, second.amount, second.counted) == ("t2", Decimal(30), Decimal(20))
    assert (second.cut_by, second.reason) == ("teaching_cap", "cap")


def test_weighted_lines_say_which_weight_applied() -> None:
    requirement_set = make_set(
        [
            TOTAL_100,
            {
                "rule": "pi",
                "kind": "weight",
                "factor": 2,
                "first": 20,
                "topics": ["performance_improvement"],
                "description": "x2",
            },
        ]
    )
    lines = [
        line("a", "AMA_PRA_1", "15", "2024-02-01", ["performance_improvement"]),
        line("b", "AMA_PRA_1", "10", "2024-03-01", ["performance_improvement"]),
    ]

    entries = {e.line_id: e for e in evaluate(requirement_set, START, ON, lines).rule("total").lines}

    assert (entries["a"].weighted, entries["a"].weight_rule) == (Decimal(30), "pi")
    assert (entries["b"].weighted, entries["b"].weight_rule) == (Decimal(15), "pi")


def test_duplicates_and_revoked_lines_are_explained_not_counted() -> None:
    requirement_set = make_set([TOTAL_100])
    lines = [
        line("ama", "AMA_PRA_1", "1", "2024-03-01", credit="c1"),
        line("acep", "ACEP", "1", "2024-03-01", credit="c1"),
        line("gone", "AMA_PRA_1", "2", "2024-03-02", revoked=True),
        line("ext", "AAPA_1", "1", "2024-03-03", source="external"),
    ]

    entries = {e.line_id: e for e in evaluate(requirement_set, START, ON, lines).rule("total").lines}

    # a tie goes to the type the set lists first (AMA_PRA_1 before ACEP)
    assert (entries["ama"].counted, entries["ama"].reason) == (Decimal(1), None)
    assert (entries["acep"].counted, entries["acep"].reason) == (Decimal(0), "duplicate")
    assert (entries["gone"].counted, entries["gone"].reason) == (Decimal(0), "revoked")
    assert entries["ext"].self_reported and not entries["ama"].self_reported


# ----------------------------------------------------------------------------- roll-over

ROLL_RULES = [
    {"rule": "total", "kind": "total", "required": 100, "description": "100"},
    minimum("part_4", 50, credit_types=["ABP_MOC_4"]),
    {
        "rule": "roll",
        "kind": "roll_over",
        "of_rule": "part_4",
        "limit": 25,
        "step": 25,
        "description": "roll",
    },
]


def part4(line_id: str, points: str, earned_on: str) -> CreditLine:
    return line(line_id, "ABP_MOC_4", points, earned_on, source="external")


@pytest.mark.parametrize(
    ("previous", "step", "rolled"),
    [
        (["25", "25", "25", "25"], 25, "25"),  # 100 earned: 50 over, at most 25 roll
        (["25", "25", "20"], 25, "0"),  # 20 over: not a whole step of 25
        (["25", "25", "20"], None, "20"),  # without a step, what is over rolls (up to the limit)
        (["25", "20"], 25, "0"),  # requirement not met: nothing is over
    ],
)
def test_roll_over_of_the_previous_cycles_excess(previous: list[str], step: int | None, rolled: str) -> None:
    rules = [dict(r) for r in ROLL_RULES]
    if step is None:
        del rules[2]["step"]
    requirement_set = make_set(rules)
    lines = [part4(f"p{i}", points, f"2023-0{i + 1}-01") for i, points in enumerate(previous)]
    lines.append(part4("now", "25", "2024-06-01"))

    progress = evaluate(requirement_set, START, ON, lines)

    assert progress.rule("roll").counted == Decimal(rolled)
    assert progress.rule("part_4").counted == 25 + Decimal(rolled)
    assert progress.rule("total").counted == 25 + Decimal(rolled)


def test_rolled_points_do_not_roll_again() -> None:
    requirement_set = make_set(ROLL_RULES)
    lines = [
        *(part4(f"a{i}", "25", "2020-06-01") for i in range(4)),  # cycle 2020-21: 100, rolls 25
        part4("b1", "25", "2022-06-01"),
        part4("b2", "25", "2022-07-01"),  # cycle 2022-23: 50 earned + 25 rolled in
    ]

    in_2022 = evaluate(requirement_set, START, date(2023, 1, 1), lines)
    in_2024 = evaluate(requirement_set, START, ON, lines)

    assert in_2022.rule("part_4").counted == Decimal(75)
    assert in_2024.rule("roll").counted == Decimal(0)


# ----------------------------------------------------------------------------- suggestions


def test_suggestions_say_which_type_to_claim_and_how_much_it_helps() -> None:
    requirement_set = make_set(
        [TOTAL_100, minimum("acep", 60, credit_types=["ACEP"]), cap("teaching_cap", 10, topics=["teaching"])]
    )
    lines = [
        line("a", "ACEP", "55", "2024-03-01"),
        line("t", "AMA_PRA_1", "10", "2024-03-02", ["teaching"]),
    ]
    claimable = [
        ClaimableCredit("u1", "ACEP", Decimal(4), date(2024, 4, 1)),  # the same credit, two ways to claim it
        ClaimableCredit("u1", "AMA_PRA_1", Decimal(4), date(2024, 4, 1)),
        ClaimableCredit("u2", "ACEP", Decimal(20), date(2023, 4, 1)),  # earned in the previous cycle
        ClaimableCredit("u3", "AMA_PRA_1", Decimal(5), date(2024, 5, 1), frozenset({"teaching"})),  # cap full
    ]

    progress = evaluate(requirement_set, START, ON, lines, claimable)

    acep, total = progress.rule("acep"), progress.rule("total")
    assert [(s.credit_type, s.claimable, s.reduces_remaining_by) for s in acep.suggestions] == [
        ("ACEP", Decimal(4), Decimal(4))
    ]
    assert [(s.credit_type, s.claimable, s.reduces_remaining_by) for s in total.suggestions] == [
        ("AMA_PRA_1", Decimal(9), Decimal(4)),
        ("ACEP", Decimal(4), Decimal(4)),
    ]
    assert acep.counted == Decimal(55)  # unclaimed credit never counts


def test_suggestions_see_weights_and_stop_at_what_remains() -> None:
    requirement_set = make_set(
        [
            TOTAL_100,
            {
                "rule": "sa",
                "kind": "weight",
                "factor": Decimal("1.5"),
                "topics": ["self_assessment"],
                "description": "x1.5",
            },
        ]
    )
    lines = [line("a", "AMA_PRA_1", "80", "2024-03-01")]
    few = [ClaimableCredit("u1", "AAPA_1", Decimal(10), date(2024, 4, 1), frozenset({"self_assessment"}))]
    many = [ClaimableCredit("u1", "AAPA_1", Decimal(30), date(2024, 4, 1), frozenset({"self_assessment"}))]

    (helped,) = evaluate(requirement_set, START, ON, lines, few).rule("total").suggestions
    (capped,) = evaluate(requirement_set, START, ON, lines, many).rule("total").suggestions

    assert helped.reduces_remaining_by == Decimal(15)
    assert capped.reduces_remaining_by == Decimal(20)


# ----------------------------------------------------------------------------- cycles and dates


@pytest.mark.parametrize(
    ("anchor", "years", "on", "bounds"),
    [
        ("2024-01-01", 3, "2024-01-01", ("2024-01-01", "2026-12-31")),
        ("2024-01-01", 3, "2026-12-31", ("2024-01-01", "2026-12-31")),
        ("2024-01-01", 3, "2027-01-01", ("2027-01-01", "2029-12-31")),
        ("2024-01-01", 3, "2023-12-31", ("2021-01-01", "2023-12-31")),  # cycles repeat backwards too
        ("2024-05-01", 2, "2031-04-30", ("2030-05-01", "2032-04-30")),
        ("2020-02-29", 1, "2021-02-28", ("2021-02-28", "2022-02-27")),  # 29 Feb anchors tile without gaps
        ("2020-02-29", 1, "2021-02-27", ("2020-02-29", "2021-02-27")),
    ],
)
def test_cycle_containing_a_date(anchor: str, years: int, on: str, bounds: tuple[str, str]) -> None:
    start = date.fromisoformat(anchor)

    k = cycle_index(start, years, date.fromisoformat(on))

    assert cycle_bounds(start, years, k) == tuple(date.fromisoformat(d) for d in bounds)


def test_a_line_counts_in_the_cycle_of_its_local_date() -> None:
    """Earned 03:00 UTC on 1 January is still 31 December for a learner in Los Angeles."""
    requirement_set = make_set([TOTAL_100], cycle_years=1)
    earned_at = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)
    in_la = line("la", "AMA_PRA_1", "5", local_date(earned_at, ZoneInfo("America/Los_Angeles")).isoformat())
    in_paris = line("paris", "AMA_PRA_1", "7", local_date(earned_at, ZoneInfo("Europe/Paris")).isoformat())

    year_2024 = evaluate(requirement_set, START, date(2024, 12, 31), [in_la, in_paris])
    year_2025 = evaluate(requirement_set, START, date(2025, 12, 31), [in_la, in_paris])

    assert year_2024.rule("total").counted == Decimal(5)
    assert year_2025.rule("total").counted == Decimal(7)


def test_local_date_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2025, 1, 1), ZoneInfo("UTC"))  # naive on purpose


def test_a_one_time_set_has_no_cycle_end_and_counts_everything() -> None:
    requirement_set = make_set(
        [{"rule": "once", "kind": "one_time", "required": 8, "topics": ["ethics"], "description": "8 once"}],
        cycle_years=None,
    )
    lines = [
        line("old", "AMA_PRA_1", "5", "2010-01-01", ["ethics"]),
        line("new", "ACEP", "3", "2030-01-01", ["ethics"]),
    ]

    progress = evaluate(requirement_set, date(2025, 6, 27), date(2025, 7, 1), lines)

    assert (progress.cycle_start, progress.cycle_end) == (date(2025, 6, 27), None)
    assert (progress.rule("once").counted, progress.met) == (Decimal(8), True)


# ----------------------------------------------------------------------------- all sets, views, purity


def test_evaluate_all_keeps_the_learners_order_and_refuses_unknown_codes() -> None:
    one = make_set([TOTAL_100], code="ONE")
    two = make_set([TOTAL_100], code="TWO", cycle_years=1)
    sets = {"ONE": one, "TWO": two}
    lines = [line("a", "AMA_PRA_1", "100", "2024-03-01")]

    progress = evaluate_all(
        [ChosenSet("TWO", date(2024, 1, 1)), ChosenSet("ONE", START)], ON, lines, sets=sets
    )

    assert [(p.code, p.met) for p in progress] == [("TWO", True), ("ONE", True)]
    with pytest.raises(UnknownRequirementSet, match="NOPE"):
        evaluate_all([ChosenSet("NOPE", START)], ON, lines, sets=sets)


def test_progress_view_has_the_api_fields_with_json_numbers() -> None:
    requirement_set = make_set([TOTAL_100, cap("teaching_cap", 60, topics=["teaching"])])
    lines = [line("t", "AMA_PRA_1", "70.50", "2024-03-01", ["teaching"])]

    view = progress_view(evaluate(requirement_set, START, ON, lines))

    assert view["cycle_start"] == "2024-01-01" and view["cycle_end"] == "2025-12-31"
    total, teaching = view["rules"]
    assert {k: total[k] for k in ("rule", "required", "counted", "remaining", "met")} == {
        "rule": "total",
        "required": Decimal(100),
        "counted": Decimal(60),
        "remaining": Decimal(40),
        "met": False,
    }
    assert str(total["counted"]) == "60" and teaching["required"] is None and teaching["met"] is True


def test_the_evaluator_needs_no_aws_libraries() -> None:
    """Imported and run with boto3, botocore and pynamodb unimportable: the domain is pure."""
    script = textwrap.dedent(
        """
        import sys
        from datetime import date
        from decimal import Decimal
        for name in ("boto3", "botocore", "pynamodb", "aws_lambda_powertools"):
            sys.modules[name] = None  # import of these now raises ImportError
        from cme_ledger.domain.requirements import ChosenSet, CreditLine, evaluate_all, requirement_sets
        from cme_ledger.domain.topic_tags import topic_tags_view
        line = CreditLine("claim", "l1", "c1", "AMA_PRA_1", Decimal(10), date(2025, 3, 1))
        chosen = [ChosenSet(code, date(2024, 1, 1)) for code in requirement_sets()]
        assert len(evaluate_all(chosen, date(2025, 6, 1), [line])) == 8
        assert topic_tags_view()["items"]
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter on our own script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "layers" / "cme")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
