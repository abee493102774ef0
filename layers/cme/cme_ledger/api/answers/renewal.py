"""Requirement sets, progress, the project's explanation, external credit and topic tags (API.md,
"Renewal"; the explanation is the project's own route, docs/requirements.md)."""

from typing import Annotated, Literal

from pydantic import Field

from cme_ledger.api.answers import Amount, Answer, Date, Download, ExpiresIn, omittable


class TopicTag(Answer):
    tag: str
    label: str


class TopicTagList(Answer):
    items: list[TopicTag]


class RequirementRule(Answer):
    rule: str
    description: str


class RequirementSet(Answer):
    code: str
    name: str
    authority: str
    cycle_years: Annotated[int, Field(ge=1)] | None
    rules: list[RequirementRule]
    sources: list[str]
    verified: bool


class RequirementSetList(Answer):
    items: list[RequirementSet]


class ChosenRequirementSet(Answer):
    code: str
    cycle_start: Date


class ChosenRequirementSets(Answer):
    items: list[ChosenRequirementSet]


class RuleProgress(Answer):
    rule: str
    description: str
    required: Amount | None  # null for a cap, weight or roll-over: it counts, it is not a requirement
    counted: Amount
    remaining: Amount | None
    met: bool


class RequirementProgress(Answer):
    """One chosen set's cycle, and what counts toward each of its rules."""

    code: str
    name: str
    cycle_start: Date
    cycle_end: Date | None
    met: bool
    rules: list[RuleProgress]


class RequirementProgressList(Answer):
    items: list[RequirementProgress]


class ClaimSuggestion(Answer):
    credit_type: str
    claimable: Amount
    reduces_remaining_by: Amount


class CountedLine(Answer):
    line_id: str
    source: Literal["claim", "external", "roll_over"]
    self_reported: bool
    credit_type: str
    earned_on: Date
    amount: Amount
    weighted: Amount
    counted: Amount
    weight_rule: str | None
    cut_by: str | None
    reason: Literal["duplicate", "revoked", "cap"] | None


class RuleExplanation(Answer):
    rule: str
    kind: Literal["total", "minimum", "one_time", "cap", "weight", "roll_over"]
    verified: bool
    note: str | None
    required: Amount | None
    counted: Amount
    remaining: Amount | None
    met: bool
    cut: Amount
    suggestions: list[ClaimSuggestion]
    lines: list[CountedLine] = omittable()  # with ?code= only


class RequirementExplanation(Answer):
    code: str
    cycle_start: Date
    cycle_end: Date | None
    verified: bool
    checked: Date
    notes: list[str]
    rules: list[RuleExplanation]


class RequirementExplanationList(Answer):
    items: list[RequirementExplanation]


class ExternalCredit(Answer):
    external_credit_id: str
    title: str
    provider: str
    credit_type: str
    amount: Amount
    completed_on: Date
    topics: list[str]
    live: bool


class ExternalCreditCreated(ExternalCredit):
    """The external credit as recorded, and where to PUT its certificate file."""

    upload_url: str
    upload_expires_in: ExpiresIn


class ExternalCreditRead(ExternalCredit):
    """The external credit, with its certificate file once checked."""

    certificate: Download | None


class ExternalCreditPage(Answer):
    items: list[ExternalCredit]
    next_cursor: str | None
