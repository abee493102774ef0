"""The shipped requirement sets, one test each with figures worked out by hand from the sources
(docs/requirements.md, /work/shared/REQUIREMENTS.md), and the checks the rule data must pass to load.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.requirements import (
    EXTERNAL_CREDIT_TYPES,
    CreditLine,
    RequirementDataError,
    SetProgress,
    evaluate,
    parse_catalogue,
    requirement_catalogue,
    requirement_sets,
    requirement_sets_view,
)
from cme_ledger.domain.topic_tags import TOPIC_TAGS, topic_tags_view
from tests.unit.requirements_support import TOTAL_100, catalogue_data, line, raw_set

SHIPPED = ["AAFP_MEMBER", "ACEP_MEMBER", "NCCPA_PA", "ABP_MOC", "ABIM_MOC", "ABA_MOCA", "DEA_MATE", "CA_MD"]


def progress_of(code: str, cycle_start: str, on: str, lines: list[CreditLine]) -> SetProgress:
    return evaluate(requirement_sets()[code], date.fromisoformat(cycle_start), date.fromisoformat(on), lines)


def figures(progress: SetProgress) -> dict[str, tuple[Decimal, Decimal | None]]:
    return {r.rule: (r.counted, r.remaining) for r in progress.rules}


def d(*values: str | None) -> tuple[Decimal | None, ...]:
    return tuple(None if v is None else Decimal(v) for v in values)


# ----------------------------------------------------------------------------- one test per set


def test_aafp_teaching_70_counts_as_60_and_150_with_75_prescribed_is_met() -> None:
    progress = progress_of(
        "AAFP_MEMBER",
        "2024-01-01",
        "2025-06-01",
        [
            line("teach1", "AAFP_PRESCRIBED", "40", "2024-02-01", ["teaching"]),
            line("teach2", "AAFP_PRESCRIBED", "30", "2024-09-01", ["teaching"]),
            line("rx", "AAFP_PRESCRIBED", "20", "2025-03-01", live=True),
            line("ama", "AMA_PRA_1", "45", "2026-12-31", live=True),  # the cycle's last day
            line(
                "enrich", "AAFP_ELECTIVE", "30", "2025-05-01", ["professional_enrichment"], source="external"
            ),
            line("before", "AAFP_PRESCRIBED", "10", "2023-12-31"),
            line("not-accepted", "ABIM_MOC", "10", "2025-01-01"),
        ],
    )

    # 70 teaching -> 60; 30 enrichment -> 25; total 60 + 20 + 45 + 25 = 150; prescribed 60 + 20 = 80
    assert (progress.cycle_start, progress.cycle_end) == (date(2024, 1, 1), date(2026, 12, 31))
    assert figures(progress) == {
        "total": d("150", "0"),
        "prescribed": d("80", "0"),
        "live": d("65", "0"),
        "professional_enrichment_cap": d("25", None),
        "teaching_cap": d("60", None),
        "advanced_training_cap": d("0", None),
        "board_certification_cap": d("0", None),
        "scholarly_activity_cap": d("0", None),
    }
    assert progress.rule("teaching_cap").cut == Decimal(10)
    assert progress.met is True
    assert progress.verified is False  # the 25 live credits are unverified


def test_acep_150_with_60_acep_category_1_counting_a_doubly_claimed_credit_once() -> None:
    progress = progress_of(
        "ACEP_MEMBER",
        "2023-01-01",
        "2024-01-01",
        [
            line("acep", "ACEP", "40", "2023-02-01"),
            line("both-acep", "ACEP", "30", "2023-03-01", credit="e2"),
            line("both-ama", "AMA_PRA_1", "30", "2023-03-01", credit="e2"),
            line("ama", "AMA_PRA_1", "80", "2024-04-01"),
            line("aoa", "AOA_1B", "10", "2025-12-31", source="external"),
        ],
    )

    # 40 + 30 (once, not 60) + 80 + 10 = 160; ACEP Category I 40 + 30 = 70
    assert figures(progress) == {"total": d("160", "0"), "acep_category_1": d("70", "0")}
    assert progress.met is True and progress.verified is True


def test_nccpa_self_assessment_counts_1_5_and_the_first_20_pi_credits_twice() -> None:
    progress = progress_of(
        "NCCPA_PA",
        "2024-01-01",
        "2025-01-01",
        [
            line("sa", "AAPA_1", "10", "2024-02-01", ["self_assessment"]),
            line("pi1", "AAPA_1", "15", "2024-03-01", ["performance_improvement"]),
            line("pi2", "AMA_PRA_1", "10", "2024-06-01", ["performance_improvement"]),
            line("cat1", "AMA_PRA_1", "10", "2025-02-01"),
            line("cat2", "AAPA_2", "30", "2025-03-01", source="external"),
        ],
    )

    # 10 x 1.5 = 15; PI: 15 x 2 = 30, then 5 x 2 + 5 = 15; total 15 + 30 + 15 + 10 + 30 = 100 (75 earned)
    assert figures(progress) == {
        "total": d("100", "0"),
        "category_1": d("70", "0"),
        "self_assessment_weight": d("15", None),
        "performance_improvement_weight": d("45", None),
    }
    assert progress.met is True


def _abp_previous_cycle(part_4_points: list[str]) -> list[CreditLine]:
    return [
        line(f"old{i}", "ABP_MOC_4", points, f"{2018 + i}-06-01", source="external")
        for i, points in enumerate(part_4_points)
    ]


def test_abp_part_4_excess_rolls_over_capped_at_25() -> None:
    current = [
        line("p2a", "ABP_MOC_2", "20", "2022-03-01"),
        line("p2b", "ABP_MOC_2", "30", "2024-03-01"),
        line("p4", "ABP_MOC_4", "25", "2025-03-01", source="external"),
    ]

    progress = progress_of(
        "ABP_MOC", "2017-01-01", "2023-06-01", [*_abp_previous_cycle(["25"] * 4), *current]
    )

    # 2017-2021 earned 100 Part 4 points: 50 over, 25 roll; 25 earned + 25 rolled = 50
    assert (progress.cycle_start, progress.cycle_end) == (date(2022, 1, 1), date(2026, 12, 31))
    assert figures(progress) == {
        "total": d("100", "0"),
        "part_2": d("50", "0"),
        "part_4": d("50", "0"),
        "part_4_roll_over": d("25", None),
    }
    assert progress.met is True


def test_abp_part_4_rolls_in_25_point_steps() -> None:
    current = [line("p2", "ABP_MOC_2", "50", "2022-03-01"), line("p4", "ABP_MOC_4", "25", "2025-03-01")]

    progress = progress_of(
        "ABP_MOC", "2017-01-01", "2023-06-01", [*_abp_previous_cycle(["25", "25", "10"]), *current]
    )

    # 60 earned: 10 over, less than one step of 25, so nothing rolls
    assert figures(progress)["part_4_roll_over"] == d("0", None)
    assert figures(progress)["part_4"] == d("25", "25")
    assert progress.met is False


def test_abim_100_points_in_5_years() -> None:
    lines = [
        line("a", "ABIM_MOC", "60", "2022-01-01"),
        line("b", "ABIM_MOC", "39.75", "2024-07-01"),
        line("next-cycle", "ABIM_MOC", "20", "2027-01-01"),
    ]

    short = progress_of("ABIM_MOC", "2022-01-01", "2026-12-31", lines)
    done = progress_of(
        "ABIM_MOC", "2022-01-01", "2026-12-31", [*lines, line("last", "ABIM_MOC", "0.25", "2026-12-31")]
    )

    assert (short.cycle_start, short.cycle_end) == (date(2022, 1, 1), date(2026, 12, 31))
    assert figures(short) == {"total": d("99.75", "0.25")} and short.met is False
    assert figures(done) == {"total": d("100", "0")} and done.met is True


def test_aba_counts_at_most_60_a_calendar_year_and_needs_20_patient_safety() -> None:
    progress = progress_of(
        "ABA_MOCA",
        "2020-01-01",
        "2024-01-01",
        [
            line("a", "AMA_PRA_1", "50", "2021-03-01"),
            line("ps", "AMA_PRA_1", "30", "2021-11-01", ["patient_safety"]),
            line("b", "AOA_1A", "40", "2022-01-01", source="external"),
        ],
    )

    # 2021: 80 earned, 60 count (the later line is cut by 20); 2022: 40; patient safety 30 >= 20
    assert (progress.cycle_start, progress.cycle_end) == (date(2020, 1, 1), date(2029, 12, 31))
    assert figures(progress) == {
        "total": d("100", "150"),
        "yearly_cap": d("100", None),
        "patient_safety": d("30", "0"),
    }
    assert progress.rule("yearly_cap").cut == Decimal(20)
    assert progress.met is False and progress.verified is False  # the 250 is flagged unverified


def test_dea_mate_8_hours_once_whenever_earned() -> None:
    lines = [
        line("old", "AMA_PRA_1", "5", "2019-05-01", ["substance_use_disorders"]),
        line("ancc", "ANCC_CNE", "3", "2024-02-01", ["substance_use_disorders"]),
        line("not-hours", "ABIM_MOC", "4", "2024-03-01", ["substance_use_disorders"]),
        line("other-topic", "AMA_PRA_1", "6", "2024-04-01", ["pain_management"]),
    ]

    progress = progress_of("DEA_MATE", "2025-03-01", "2025-06-01", lines)
    short = progress_of("DEA_MATE", "2025-03-01", "2025-06-01", lines[1:])

    assert (progress.cycle_start, progress.cycle_end) == (date(2025, 3, 1), None)
    assert figures(progress) == {"training": d("8", "0")} and progress.met is True
    assert figures(short) == {"training": d("3", "5")} and short.met is False


def test_california_12_hours_of_pain_and_end_of_life_once_and_practice_management_capped() -> None:
    lines = [
        line("pain-2021", "AMA_PRA_1", "6", "2021-03-01", ["pain_management"]),  # an earlier cycle
        line("eol", "AAFP_PRESCRIBED", "4", "2024-06-01", ["end_of_life_care"]),
        line("eol2", "AMA_PRA_1", "2", "2024-08-01", ["end_of_life_care", "ethics"]),
        line("state-pain", "STATE", "3", "2024-07-01", ["pain_management"]),  # not Category 1
        line("pm", "AMA_PRA_1", "20", "2025-01-01", ["practice_management"]),
        line("ama", "AMA_PRA_1", "26", "2026-04-30"),  # the cycle's last day
        line("after", "AMA_PRA_1", "2", "2026-05-01", ["pain_management"]),
    ]

    progress = progress_of("CA_MD", "2024-05-01", "2025-01-01", lines)
    next_cycle = progress_of("CA_MD", "2024-05-01", "2027-01-01", lines)

    # total 4 + 2 + 3 + 15 + 26 = 50; one-time 6 + 4 + 2 = 12 (the STATE line is not Category 1)
    assert (progress.cycle_start, progress.cycle_end) == (date(2024, 5, 1), date(2026, 4, 30))
    assert figures(progress) == {
        "total": d("50", "0"),
        "pain_end_of_life": d("12", "0"),
        "practice_management_cap": d("15", None),
    }
    assert progress.met is True and progress.verified is False  # the 50 hours are unverified
    # once met it stays met: the next cycle still sees the hours earned before it
    assert figures(next_cycle)["pain_end_of_life"] == d("14", "0")
    assert figures(next_cycle)["total"] == d("2", "48")


# ----------------------------------------------------------------------------- the data file


def test_the_shipped_sets_are_all_there_with_sources_and_a_checked_date() -> None:
    sets = requirement_sets()

    assert list(sets) == SHIPPED
    for requirement_set in sets.values():
        assert requirement_set.sources and all(s.startswith("https://") for s in requirement_set.sources)
        assert requirement_set.checked <= date(2026, 12, 31)
        first = requirement_set.rules[0]
        assert first.kind == ("one_time" if requirement_set.cycle_years is None else "total")
    assert sets["AAFP_MEMBER"].rules[0].required == Decimal(150)  # type: ignore[union-attr]
    assert requirement_catalogue().version >= 1


def test_what_requirements_md_marks_unverified_is_flagged_and_says_why() -> None:
    sets = requirement_sets()
    unverified = {(s.code, r.rule) for s in sets.values() for r in s.rules if not r.verified}

    assert {("AAFP_MEMBER", "live"), ("CA_MD", "total")} <= unverified
    assert all(sets[code].rule(rule).note for code, rule in unverified)
    assert {code for code, s in sets.items() if not s.verified} == {code for code, _ in unverified}


def test_the_catalogue_view_has_the_api_shape() -> None:
    items = requirement_sets_view(requirement_catalogue())["items"]

    assert [i["code"] for i in items] == SHIPPED
    for item in items:
        assert {"code", "name", "authority", "cycle_years", "rules", "sources", "verified"} <= item.keys()
        assert all({"rule", "description"} <= r.keys() for r in item["rules"])
    dea = next(i for i in items if i["code"] == "DEA_MATE")
    assert dea["cycle_years"] is None


def test_every_tag_and_credit_type_the_sets_name_is_catalogued() -> None:
    tags = {t["tag"] for t in topic_tags_view()["items"]}
    used_tags = {
        tag
        for s in requirement_sets().values()
        for r in s.rules
        for tag in (getattr(r, "selector", None) and r.selector.topics) or ()  # type: ignore[union-attr]
    }
    used_types = {t for s in requirement_sets().values() for t in s.credit_types}

    assert {"pain_management", "opioid_prescribing", "implicit_bias", "patient_safety", "ethics"} <= tags
    assert used_tags <= tags == set(TOPIC_TAGS)
    assert used_types <= set(CREDIT_TYPES) | set(EXTERNAL_CREDIT_TYPES)
    assert not set(EXTERNAL_CREDIT_TYPES) & set(CREDIT_TYPES)


def _shipped_data() -> dict[str, Any]:
    text = resources.files("cme_ledger.domain").joinpath("requirement_sets.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return data


def _rule(data: dict[str, Any], code: str, rule: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for s in data["sets"] if s["code"] == code for r in s["rules"] if r["rule"] == rule
    )
    return found


def _set(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["sets"] if s["code"] == code)
    return found


Mutation = Callable[[dict[str, Any]], Any]

BROKEN: list[tuple[str, Mutation, str]] = [
    ("format", lambda d: d.update(format=2), "requirement_sets.json: format must be 1"),
    ("credit type", lambda d: _set(d, "ACEP_MEMBER")["credit_types"].append("AMA_PRA_9"),
     "set ACEP_MEMBER: credit_types: AMA_PRA_9 is not a known credit type"),
    ("topic tag", lambda d: _rule(d, "ABA_MOCA", "patient_safety").update(topics=["safety"]),
     "set ABA_MOCA rule patient_safety: topics: safety is not a known topic tag"),
    ("type the set does not accept", lambda d: _rule(d, "ACEP_MEMBER", "acep_category_1").update(credit_types=["AAPA_1"]),
     "set ACEP_MEMBER rule acep_category_1: credit_types: AAPA_1 is not a known credit type the set accepts"),
    ("typo in a key", lambda d: _rule(d, "ABIM_MOC", "total").update(requried=1),
     "set ABIM_MOC rule total: unknown key requried"),
    ("missing amount", lambda d: _rule(d, "ABIM_MOC", "total").pop("required"),
     "set ABIM_MOC rule total: missing required"),
    ("float amount", lambda d: _rule(d, "ABIM_MOC", "total").update(required=100.0),
     "set ABIM_MOC rule total: required must be a number above 0"),
    ("zero amount", lambda d: _rule(d, "ABIM_MOC", "total").update(required=0),
     "set ABIM_MOC rule total: required must be a number above 0"),
    ("unknown kind", lambda d: _rule(d, "ABIM_MOC", "total").update(kind="maximum"),
     "set ABIM_MOC rule total: unknown kind 'maximum'"),
    ("first rule not a total", lambda d: _set(d, "ACEP_MEMBER")["rules"].reverse(),
     "set ACEP_MEMBER rule acep_category_1: the first rule must be the set's total"),
    ("a second total", lambda d: _rule(d, "ACEP_MEMBER", "acep_category_1").update(kind="total") or _rule(d, "ACEP_MEMBER", "acep_category_1").pop("credit_types"),
     "set ACEP_MEMBER rule acep_category_1: only the first rule may be a total"),
    ("unverified without a note", lambda d: _rule(d, "CA_MD", "total").pop("note"),
     "set CA_MD rule total: an unverified rule needs a note"),
    ("cap period", lambda d: _rule(d, "ABA_MOCA", "yearly_cap").update(per="month"),
     "set ABA_MOCA rule yearly_cap: per must be cycle or calendar_year"),
    ("weight that does not weigh", lambda d: _rule(d, "NCCPA_PA", "self_assessment_weight").update(factor=1),
     "set NCCPA_PA rule self_assessment_weight: factor must be more than 1"),
    ("minimum of everything", lambda d: _rule(d, "ABP_MOC", "part_2").pop("credit_types"),
     "set ABP_MOC rule part_2: a minimum rule needs credit_types, topics or live"),
    ("roll-over of nothing", lambda d: _rule(d, "ABP_MOC", "part_4_roll_over").update(of_rule="part_5"),
     "set ABP_MOC rule part_4_roll_over: of_rule 'part_5' must name a total or minimum rule"),
    ("cap in a one-time set", lambda d: _set(d, "DEA_MATE")["rules"].append(
        {"rule": "cap", "kind": "cap", "limit": 4, "per": "cycle", "description": "c"}),
     "set DEA_MATE rule cap: a one-time set (cycle_years null) has no cycles for a cap rule"),
    ("duplicate rule id", lambda d: _rule(d, "ABA_MOCA", "patient_safety").update(rule="total"),
     "set ABA_MOCA rule total: rule id appears twice"),
    ("duplicate set code", lambda d: _set(d, "ABIM_MOC").update(code="ABP_MOC"),
     "set code ABP_MOC appears twice"),
    ("source not https", lambda d: _set(d, "ABIM_MOC").update(sources=["http://www.abim.org/"]),
     "set ABIM_MOC: sources must be a non-empty list of https URLs"),
    ("checked not a date", lambda d: _set(d, "ABIM_MOC").update(checked="late 2026"),
     "set ABIM_MOC: checked must be a date YYYY-MM-DD, not 'late 2026'"),
    ("cycle years", lambda d: _set(d, "ABIM_MOC").update(cycle_years=0),
     "set ABIM_MOC: cycle_years must be 1..20 or null"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "mutate", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_data_is_refused_naming_the_set_and_rule(name: str, mutate: Mutation, message: str) -> None:
    data = copy.deepcopy(_shipped_data())
    mutate(data)

    with pytest.raises(RequirementDataError) as refused:
        parse_catalogue(data)

    assert message in str(refused.value)


def test_the_shipped_file_parses_as_it_is() -> None:
    assert list(parse_catalogue(_shipped_data()).sets) == SHIPPED


def test_a_new_set_is_only_data() -> None:
    """Adding a state: a set in the file, nothing else (here a made-up state with a topic minimum)."""
    state = raw_set(
        [
            TOTAL_100 | {"required": 40},
            {
                "rule": "ethics",
                "kind": "minimum",
                "required": 2,
                "topics": ["ethics"],
                "description": "2 ethics",
            },
        ],
        code="XX_MD",
        credit_types=["AMA_PRA_1"],
    )
    sets = parse_catalogue(catalogue_data(state)).sets

    progress = evaluate(
        sets["XX_MD"],
        date(2025, 1, 1),
        date(2025, 6, 1),
        [line("a", "AMA_PRA_1", "39", "2025-02-01"), line("b", "AMA_PRA_1", "1.5", "2025-03-01", ["ethics"])],
    )

    assert figures(progress) == {"total": d("40.5", "0"), "ethics": d("1.5", "0.5")}
