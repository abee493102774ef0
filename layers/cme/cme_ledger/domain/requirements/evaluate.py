"""The evaluator: what a learner's credit counts toward each rule of a requirement set, for one cycle.

Pure: lines in, progress out (no clock, no I/O). How a rule counts, in this order:

1. the lines: accepted credit types only, earned inside the cycle (one-time rules: at any time up
   to the cycle's end), matching the rule's selector; a revoked line counts nothing;
2. one credit counts once per rule: when it was claimed under several matching types, the type
   with the largest claim counts (the set's earlier type on a tie) and the other lines are
   duplicates;
3. weights, in earned order: the first weight whose category holds the line multiplies it (a
   weight on the first N credits spends its N on the earliest lines);
4. caps, in earned order: a capped category (per cycle, or per calendar year of earning) takes
   lines until its limit; the rest is cut. Weights and caps apply to every rule of the set except
   one-time rules, which count what was earned as it was;
5. roll-over: what the previous cycle counted toward a rule beyond its requirement (capped) comes
   in as one line on the cycle's first day, neither weighted nor capped again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from cme_ledger.domain.requirements.counting import ZERO, Count, SetRules, SortedLines, count_rule, in_order
from cme_ledger.domain.requirements.cycles import cycle_bounds, cycle_index
from cme_ledger.domain.requirements.model import (
    AnyRule,
    CapRule,
    ChosenSet,
    ClaimableCredit,
    ClaimSuggestion,
    CountingRule,
    CreditLine,
    LineCount,
    MinimumRule,
    OneTimeRule,
    RequirementSet,
    RollOverRule,
    RuleProgress,
    SetProgress,
    TotalRule,
    WeightRule,
)


class UnknownRequirementSet(LookupError):
    """A chosen set's code is not in the rule data (the data dropped it, or the caller did not check)."""


def evaluate(
    requirement_set: RequirementSet,
    cycle_start: date,
    on: date,
    lines: Sequence[CreditLine],
    claimable: Sequence[ClaimableCredit] = (),
) -> SetProgress:
    """Progress toward `requirement_set` in the cycle containing `on` (cycles anchored at `cycle_start`).

    `lines` may hold all of the learner's credit: the evaluator picks the cycle's (and the previous
    cycle's, for roll-over). `claimable` is the learner's unclaimed credit: it never counts, but each
    unmet rule suggests which credit type to claim it as and how much that would reduce `remaining`.
    """
    return _evaluate(requirement_set, cycle_start, on, SortedLines.of(lines), _sorted_claimable(claimable))


def evaluate_all(
    chosen: Sequence[ChosenSet],
    on: date,
    lines: Sequence[CreditLine],
    claimable: Sequence[ClaimableCredit] = (),
    sets: Mapping[str, RequirementSet] | None = None,
) -> list[SetProgress]:
    """Progress for every set the learner chose, in their order (`sets`: the shipped data by default)."""
    if sets is None:
        from cme_ledger.domain.requirements.data import requirement_catalogue

        sets = requirement_catalogue().sets
    ordered, hypothetical = SortedLines.of(lines), _sorted_claimable(claimable)
    progress = []
    for choice in chosen:
        requirement_set = sets.get(choice.code)
        if requirement_set is None:
            raise UnknownRequirementSet(f"no requirement set {choice.code!r} in the rule data")
        progress.append(_evaluate(requirement_set, choice.cycle_start, on, ordered, hypothetical))
    return progress


# ----------------------------------------------------------------------------- preparing


def _sorted_claimable(claimable: Sequence[ClaimableCredit]) -> SortedLines:
    """Unclaimed credit as the lines it would become once claimed."""
    return SortedLines.of(
        [
            CreditLine(
                "claim",
                f"unclaimed:{c.credit_id}:{c.credit_type}",
                c.credit_id,
                c.credit_type,
                c.amount,
                c.earned_on,
                c.topics,
                c.live,
            )
            for c in claimable
        ]
    )


def _rolled_in(
    rule: RollOverRule, rules: SetRules, ordered: SortedLines, anchor: date, years: int, k: int
) -> CreditLine | None:
    """The previous cycle's excess toward `rule.of_rule`, as one line on this cycle's first day."""
    requirement_set = rules.requirement_set
    target = requirement_set.rule(rule.of_rule)
    assert isinstance(target, TotalRule | MinimumRule), "checked when the data is loaded"
    previous_start, previous_end = cycle_bounds(anchor, years, k - 1)
    earned = count_rule(target, rules.accepted(ordered.between(previous_start, previous_end)), rules).counted
    rolled = min(earned - target.required, rule.limit)
    if rule.step is not None:
        rolled = (rolled // rule.step) * rule.step if rolled > 0 else ZERO
    if rolled <= 0:
        return None
    selector = target.selector
    credit_type = next(
        t for t in requirement_set.credit_types if selector.credit_types is None or t in selector.credit_types
    )
    line_id = f"roll_over:{rule.rule}:{previous_start.isoformat()}"
    return CreditLine(
        "roll_over",
        line_id,
        line_id,
        credit_type,
        rolled,
        cycle_bounds(anchor, years, k)[0],
        selector.topics or frozenset(),
        bool(selector.live),
    )


def _suggestions(
    rule: CountingRule,
    lines: Sequence[CreditLine],
    count: Count,
    remaining: Decimal,
    unclaimed: Sequence[CreditLine],
    rules: SetRules,
) -> tuple[ClaimSuggestion, ...]:
    """Per credit type: how much claiming the matching unclaimed credit would reduce `remaining`."""
    by_type: dict[str, list[CreditLine]] = {}
    for line in unclaimed:
        if rule.selector.matches(line):
            by_type.setdefault(line.credit_type, []).append(line)
    found = []
    for credit_type, extra in by_type.items():
        recounted = count_rule(rule, sorted([*lines, *extra], key=in_order), rules).counted
        gain = min(remaining, recounted - count.counted)
        if gain > 0:
            found.append(ClaimSuggestion(credit_type, sum((ln.amount for ln in extra), ZERO), gain))
    found.sort(key=lambda s: (-s.reduces_remaining_by, rules.rank[s.credit_type]))
    return tuple(found)


# ----------------------------------------------------------------------------- one set


def _evaluate(
    requirement_set: RequirementSet, anchor: date, on: date, ordered: SortedLines, unclaimed: SortedLines
) -> SetProgress:
    rules = SetRules(requirement_set)
    years = requirement_set.cycle_years
    if years is None:
        start, end = anchor, None
        cycle = to_end = rules.accepted(ordered.lines)
        cycle_unclaimed = to_end_unclaimed = rules.accepted(unclaimed.lines)
    else:
        k = cycle_index(anchor, years, on)
        start, end = cycle_bounds(anchor, years, k)
        cycle = rules.accepted(ordered.between(start, end))
        cycle_unclaimed = rules.accepted(unclaimed.between(start, end))
        if any(isinstance(r, OneTimeRule) for r in requirement_set.rules):  # they look back past the cycle
            to_end = rules.accepted(ordered.between(None, end))
            to_end_unclaimed = rules.accepted(unclaimed.between(None, end))
        else:
            to_end = to_end_unclaimed = []
        rolled = [
            line
            for r in requirement_set.rules
            if isinstance(r, RollOverRule) and (line := _rolled_in(r, rules, ordered, anchor, years, k))
        ]
        cycle = [*rolled, *cycle]  # dated the cycle's first day: still in earned order

    counts: dict[str, Count] = {}
    progress: list[RuleProgress] = []
    for rule in requirement_set.rules:
        if isinstance(rule, TotalRule | MinimumRule | OneTimeRule):
            one_time = isinstance(rule, OneTimeRule)
            lines = to_end if one_time else cycle
            count = counts[rule.rule] = count_rule(rule, lines, rules)
            remaining = max(rule.required - count.counted, ZERO)
            hypothetical = to_end_unclaimed if one_time else cycle_unclaimed
            suggestions = (
                _suggestions(rule, lines, count, remaining, hypothetical, rules)
                if remaining and hypothetical
                else ()
            )
            progress.append(
                _progress(rule, count.counted, count.entries, count.cut, rule.required, suggestions)
            )
        else:
            progress.append(_modifier_progress(rule, counts[requirement_set.rules[0].rule]))
    return SetProgress(
        code=requirement_set.code,
        name=requirement_set.name,
        cycle_start=start,
        cycle_end=end,
        met=all(p.met for p in progress),
        verified=requirement_set.verified,
        rules=tuple(progress),
    )


def _modifier_progress(rule: AnyRule, first: Count) -> RuleProgress:
    """A cap, weight or roll-over, told through the lines of the set's first rule it touched."""
    if isinstance(rule, CapRule):
        touched = [
            e
            for e, ln in zip(first.entries, first.lines, strict=True)
            if e.reason in (None, "cap") and ln.source != "roll_over" and rule.selector.matches(ln)
        ]
        cut = sum((e.weighted - e.counted for e in touched if e.cut_by == rule.rule), ZERO)
    elif isinstance(rule, WeightRule):
        touched = [e for e in first.entries if e.weight_rule == rule.rule]
        cut = ZERO
    else:
        prefix = f"roll_over:{rule.rule}:"
        touched = [e for e in first.entries if e.line_id.startswith(prefix)]
        cut = ZERO
    counted = sum((e.counted for e in touched), ZERO)
    return _progress(rule, counted, touched, cut, None, ())


def _progress(
    rule: AnyRule,
    counted: Decimal,
    entries: Sequence[LineCount],
    cut: Decimal,
    required: Decimal | None,
    suggestions: tuple[ClaimSuggestion, ...],
) -> RuleProgress:
    return RuleProgress(
        rule=rule.rule,
        kind=rule.kind,
        description=rule.description,
        verified=rule.verified,
        required=required,
        counted=counted,
        remaining=None if required is None else max(required - counted, ZERO),
        met=required is None or counted >= required,
        lines=tuple(entries),
        cut=cut,
        note=rule.note,
        suggestions=suggestions,
    )
