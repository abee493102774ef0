"""How one rule counts a list of lines: selection, one count per credit, weights, caps (see evaluate.py).

Shared by the evaluator's rules, its roll-over (the previous cycle) and its claim suggestions
(the same count with unclaimed credit added).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter

from cme_ledger.domain.requirements.model import (
    CapRule,
    CountingRule,
    CreditLine,
    LineCount,
    OneTimeRule,
    RequirementSet,
    Selector,
    WeightRule,
)

ZERO = Decimal(0)
EVERYTHING = Selector()
in_order = attrgetter("earned_on", "line_id")


@dataclass(frozen=True)
class SortedLines:
    """Lines in earned order with their dates beside them, so a cycle is two bisections."""

    lines: tuple[CreditLine, ...]
    dates: tuple[date, ...]

    @classmethod
    def of(cls, lines: Sequence[CreditLine]) -> SortedLines:
        ordered = tuple(sorted(lines, key=in_order))
        return cls(ordered, tuple(line.earned_on for line in ordered))

    def between(self, first: date | None, last: date | None) -> tuple[CreditLine, ...]:
        lo = 0 if first is None else bisect_left(self.dates, first)
        hi = len(self.dates) if last is None else bisect_right(self.dates, last)
        return self.lines[lo:hi]


@dataclass
class SetRules:
    """A set's weights and caps, with which of them each line falls under (computed once per line)."""

    requirement_set: RequirementSet
    rank: dict[str, int] = field(init=False)
    weights: tuple[WeightRule, ...] = field(init=False)
    caps: tuple[CapRule, ...] = field(init=False)
    _weight_of: dict[str, WeightRule | None] = field(init=False, default_factory=dict)
    _caps_of: dict[str, tuple[CapRule, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        rules = self.requirement_set.rules
        self.rank = {code: i for i, code in enumerate(self.requirement_set.credit_types)}
        self.weights = tuple(r for r in rules if isinstance(r, WeightRule))
        self.caps = tuple(r for r in rules if isinstance(r, CapRule))

    def accepted(self, lines: Sequence[CreditLine]) -> list[CreditLine]:
        return [line for line in lines if line.credit_type in self.rank]

    def weight_of(self, line: CreditLine) -> WeightRule | None:
        try:
            return self._weight_of[line.line_id]
        except KeyError:
            found = next((w for w in self.weights if w.selector.matches(line)), None)
            self._weight_of[line.line_id] = found
            return found

    def caps_of(self, line: CreditLine) -> tuple[CapRule, ...]:
        try:
            return self._caps_of[line.line_id]
        except KeyError:
            found = tuple(c for c in self.caps if c.selector.matches(line))
            self._caps_of[line.line_id] = found
            return found

    def counted_types(self, lines: Sequence[CreditLine]) -> dict[str, str]:
        """For each credit claimed under more than one of these lines' types: the type that counts."""
        per_credit: dict[str, dict[str, Decimal]] = {}
        for line in lines:
            if line.revoked:
                continue
            amounts = per_credit.setdefault(line.credit_id, {})
            amounts[line.credit_type] = amounts.get(line.credit_type, ZERO) + line.amount
        last = len(self.rank)
        return {
            credit_id: max(amounts, key=lambda t: (amounts[t], -self.rank.get(t, last)))
            for credit_id, amounts in per_credit.items()
            if len(amounts) > 1
        }


@dataclass
class Count:
    counted: Decimal
    cut: Decimal
    entries: list[LineCount]
    lines: list[CreditLine]  # beside entries: the line each entry explains


def count_rule(rule: CountingRule, lines: Sequence[CreditLine], rules: SetRules) -> Count:
    """What `lines` count toward `rule`, with one entry per line its selector matches."""
    selector = rule.selector
    candidates = list(lines) if selector == EVERYTHING else [ln for ln in lines if selector.matches(ln)]
    counted_type = rules.counted_types(candidates)
    modified = not isinstance(rule, OneTimeRule)
    weights = rules.weights if modified else ()
    caps = rules.caps if modified else ()
    budget = {w.rule: w.first for w in weights if w.first is not None}
    used: dict[tuple[str, int], Decimal] = {}
    entries: list[LineCount] = []
    total = cut = ZERO
    for line in candidates:
        if line.revoked or counted_type.get(line.credit_id, line.credit_type) != line.credit_type:
            entries.append(_entry(line, ZERO, ZERO, reason="revoked" if line.revoked else "duplicate"))
            continue
        weighted = line.amount
        weight_rule = cut_by = None
        if line.source != "roll_over":
            weight = rules.weight_of(line) if weights else None
            if weight is not None:
                weight_rule = weight.rule
                part = line.amount if weight.first is None else min(line.amount, budget[weight.rule])
                if weight.first is not None:
                    budget[weight.rule] -= part
                weighted = line.amount + part * (weight.factor - 1)
        took = weighted
        if caps and line.source != "roll_over":
            keys = []
            for cap in rules.caps_of(line):
                key = (cap.rule, line.earned_on.year if cap.per == "calendar_year" else 0)
                keys.append(key)
                room = max(cap.limit - used.get(key, ZERO), ZERO)
                if room < took:
                    took, cut_by = room, cap.rule
            for key in keys:
                used[key] = used.get(key, ZERO) + took
        total += took
        cut += weighted - took
        entries.append(_entry(line, weighted, took, weight_rule, cut_by, "cap" if cut_by else None))
    return Count(total, cut, entries, candidates)


def _entry(
    line: CreditLine,
    weighted: Decimal,
    counted: Decimal,
    weight_rule: str | None = None,
    cut_by: str | None = None,
    reason: str | None = None,
) -> LineCount:
    return LineCount(
        line.line_id,
        line.source,
        line.credit_type,
        line.earned_on,
        line.amount,
        weighted,
        counted,
        weight_rule,
        cut_by,
        reason,
    )
