"""The plain data of requirement sets: the rules as loaded, the learner's credit going in, the progress coming out.

Frozen and free of I/O. Amounts are Decimal throughout and never rounded here: a weight of 1.5 on
0.25 credits counts 0.375 (the API layer formats numbers for JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal, NamedTuple

from cme_ledger.domain.model import ChosenSet as ChosenSet  # a learner's records hold it (domain.model)

LineSource = Literal["claim", "external", "roll_over"]
CapPeriod = Literal["cycle", "calendar_year"]

# Credit types that only reach the service as external credit recorded by the learner (POST
# /me/external-credits): outside types the shipped sets accept besides the catalogue of
# credit_types.CREDIT_TYPES. Code -> label.
EXTERNAL_CREDIT_TYPES: dict[str, str] = {
    "AMA_PRA_2": "AMA PRA Category 2 Credit™",
    "AAFP_ELECTIVE": "AAFP Elective credit",
    "AAPA_2": "AAPA Category 2 CME credit",
    "AOA_1A": "AOA Category 1-A credit",
    "AOA_1B": "AOA Category 1-B credit",
    "AOA_2A": "AOA Category 2-A credit",
    "AOA_2B": "AOA Category 2-B credit",
    "ABP_MOC_4": "ABP MOC Part 4 Points",
}


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Selector:
    """Which lines a rule is about. Unset parts match everything; set parts must all match.

    `credit_types`: the line's credit type is one of these. `topics`: the line carries at least one
    of these tags. `live`: the activity was (or was not) live.
    """

    credit_types: frozenset[str] | None = None
    topics: frozenset[str] | None = None
    live: bool | None = None

    def matches(self, line: CreditLine) -> bool:
        return (
            (self.credit_types is None or line.credit_type in self.credit_types)
            and (self.topics is None or not self.topics.isdisjoint(line.topics))
            and (self.live is None or line.live is self.live)
        )


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What every rule has: an id unique in its set, a description a learner reads, and whether its
    facts come from the authority's own pages (`verified`; `note` says why not, or what to know)."""

    kind: ClassVar[str]
    counts_toward_met: ClassVar[bool] = False

    rule: str
    description: str
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class TotalRule(Rule):
    """At least `required` credits of any type the set accepts, earned in the cycle."""

    kind: ClassVar[str] = "total"
    counts_toward_met: ClassVar[bool] = True
    required: Decimal
    selector: Selector = Selector()


@dataclass(frozen=True, kw_only=True)
class MinimumRule(Rule):
    """At least `required` credits of a subset (by credit type, topic tag, live), earned in the cycle."""

    kind: ClassVar[str] = "minimum"
    counts_toward_met: ClassVar[bool] = True
    required: Decimal
    selector: Selector


@dataclass(frozen=True, kw_only=True)
class OneTimeRule(Rule):
    """At least `required` credits of a subset earned once, at any time up to the cycle's end."""

    kind: ClassVar[str] = "one_time"
    counts_toward_met: ClassVar[bool] = True
    required: Decimal
    selector: Selector


@dataclass(frozen=True, kw_only=True)
class CapRule(Rule):
    """A category contributes at most `limit` per cycle or per calendar year, to every rule of the set."""

    kind: ClassVar[str] = "cap"
    limit: Decimal
    per: CapPeriod
    selector: Selector


@dataclass(frozen=True, kw_only=True)
class WeightRule(Rule):
    """A category counts `factor` times its amount (only for its first `first` credits per cycle when set)."""

    kind: ClassVar[str] = "weight"
    factor: Decimal
    first: Decimal | None
    selector: Selector


@dataclass(frozen=True, kw_only=True)
class RollOverRule(Rule):
    """What the previous cycle counted toward `of_rule` beyond its requirement carries into this cycle,
    at most `limit`, in whole `step`s when set (points of the previous cycle only: what rolled into it
    does not roll again)."""

    kind: ClassVar[str] = "roll_over"
    of_rule: str
    limit: Decimal
    step: Decimal | None


CountingRule = TotalRule | MinimumRule | OneTimeRule
AnyRule = TotalRule | MinimumRule | OneTimeRule | CapRule | WeightRule | RollOverRule


@dataclass(frozen=True)
class RequirementSet:
    """One board's, society's or state's requirements. `cycle_years` None: a one-time set.

    `credit_types` lists what the set accepts at all, in order of preference: when one credit was
    claimed under two accepted types, a rule counts the larger claim, the earlier type on a tie.
    `verified` is false when the set or any of its rules is not confirmed by the authority's pages.
    """

    code: str
    name: str
    authority: str
    cycle_years: int | None
    credit_types: tuple[str, ...]
    sources: tuple[str, ...]
    checked: date
    verified: bool
    rules: tuple[AnyRule, ...]
    notes: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> AnyRule:
        for rule in self.rules:
            if rule.rule == rule_id:
                return rule
        raise KeyError(f"{self.code} has no rule {rule_id!r}")


@dataclass(frozen=True)
class RequirementCatalogue:
    """The shipped rule data: `version` grows with every change of requirement_sets.json."""

    version: int
    sets: dict[str, RequirementSet]


# ----------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One piece of the learner's credit as a set sees it.

    A claim line: `source` "claim", `line_id` unique per line, `credit_id` the credit it claims (a
    credit claimed under two types is two lines with one credit_id: it counts once per rule),
    `credit_type` the claim's type, `earned_on` the credit's earned date in the learner's time zone,
    `topics` and `live` from the course, `revoked` when the claim's certificate is revoked.
    External credit: `source` "external", `line_id` = `credit_id` = its id, `earned_on` its
    `completed_on`.
    """

    source: LineSource
    line_id: str
    credit_id: str
    credit_type: str
    amount: Decimal
    earned_on: date
    topics: frozenset[str] = frozenset()
    live: bool = False
    revoked: bool = False

    @property
    def self_reported(self) -> bool:
        return self.source == "external"


@dataclass(frozen=True, slots=True)
class ClaimableCredit:
    """Unclaimed credit the learner could still claim under `credit_type` (one entry per credit and
    type it can be claimed as). Once claimed it would count in the cycle of `earned_on`."""

    credit_id: str
    credit_type: str
    amount: Decimal
    earned_on: date
    topics: frozenset[str] = frozenset()
    live: bool = False


# ----------------------------------------------------------------------------- output


class LineCount(NamedTuple):
    """One line's part in one rule: what it brought (`amount`), what weights made of it (`weighted`),
    and what went in after caps (`counted`). `reason` says why less went in: "duplicate" (the same
    credit already counts under another type), "revoked", or "cap" (then `cut_by` names the cap)."""

    line_id: str
    source: LineSource
    credit_type: str
    earned_on: date
    amount: Decimal
    weighted: Decimal
    counted: Decimal
    weight_rule: str | None = None
    cut_by: str | None = None
    reason: str | None = None

    @property
    def self_reported(self) -> bool:
        return self.source == "external"


@dataclass(frozen=True)
class ClaimSuggestion:
    """Claiming this learner's unclaimed credit as `credit_type` (`claimable` credits of it are
    available and would count here) reduces the rule's remaining by `reduces_remaining_by`."""

    credit_type: str
    claimable: Decimal
    reduces_remaining_by: Decimal


@dataclass(frozen=True)
class RuleProgress:
    """One rule for one cycle. Counting rules (total, minimum, one_time) have `required` and
    `remaining`; caps, weights and roll-overs have None there and are always met: for them `counted`
    is what their category brought to the set's first rule (after the cap, with the weight, or rolled in).
    """

    rule: str
    kind: str
    description: str
    verified: bool
    required: Decimal | None
    counted: Decimal
    remaining: Decimal | None
    met: bool
    lines: tuple[LineCount, ...] = ()
    cut: Decimal = Decimal(0)
    note: str | None = None
    suggestions: tuple[ClaimSuggestion, ...] = ()


@dataclass(frozen=True)
class SetProgress:
    """A set for the cycle containing the asked date: `met` when every counting rule is met."""

    code: str
    name: str
    cycle_start: date
    cycle_end: date | None
    met: bool
    verified: bool
    rules: tuple[RuleProgress, ...]

    def rule(self, rule_id: str) -> RuleProgress:
        for progress in self.rules:
            if progress.rule == rule_id:
                return progress
        raise KeyError(f"{self.code} has no rule {rule_id!r}")
