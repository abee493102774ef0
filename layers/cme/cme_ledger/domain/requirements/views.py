"""Requirement sets and progress as the API shows them (API.md, "Renewal"), amounts as JSON numbers.

`requirement_set_view` and `progress_view` have exactly API.md's fields. A progress figure may have
more than 2 decimals inside the evaluator (a weight of 1.5 on 0.25 counts 0.375); API.md's amounts
have at most 2, so `counted` is rounded down to the cent and `remaining` up (never overstating
progress; counted + remaining is still the requirement). Everything beyond API.md (a set's
`checked` date and notes, each rule's kind, whether it is verified, what caps cut, the claim
suggestions and the lines behind each figure, exact) is `explanation_view`, the answer of the
project's GET /me/requirements/explanation (docs/requirements.md).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from cme_ledger.domain.amounts import CENT, to_json_number
from cme_ledger.domain.requirements.model import (
    LineCount,
    RequirementCatalogue,
    RequirementSet,
    RuleProgress,
    SetProgress,
)


def requirement_sets_view(catalogue: RequirementCatalogue) -> dict[str, Any]:
    """`GET /requirement-sets`: every set, in the data's order."""
    return {"items": [requirement_set_view(s) for s in catalogue.sets.values()]}


def requirement_set_view(requirement_set: RequirementSet) -> dict[str, Any]:
    return {
        "code": requirement_set.code,
        "name": requirement_set.name,
        "authority": requirement_set.authority,
        "cycle_years": requirement_set.cycle_years,
        "rules": [{"rule": r.rule, "description": r.description} for r in requirement_set.rules],
        "sources": list(requirement_set.sources),
        "verified": requirement_set.verified,
    }


def progress_view(progress: SetProgress) -> dict[str, Any]:
    """One item of `GET /me/requirements/progress`: API.md's fields, amounts to the cent."""
    return {
        "code": progress.code,
        "name": progress.name,
        "cycle_start": progress.cycle_start.isoformat(),
        "cycle_end": progress.cycle_end.isoformat() if progress.cycle_end else None,
        "met": progress.met,
        "rules": [
            {
                "rule": r.rule,
                "description": r.description,
                "required": _number(r.required),
                "counted": _cents(r.counted, ROUND_FLOOR),
                "remaining": None if r.remaining is None else _cents(r.remaining, ROUND_CEILING),
                "met": r.met,
            }
            for r in progress.rules
        ],
    }


def explanation_view(progress: SetProgress, requirement_set: RequirementSet, lines: bool) -> dict[str, Any]:
    """One item of the project's `GET /me/requirements/explanation`: what API.md's progress leaves out,
    exact (never rounded). `lines`: also every line behind each rule's figure."""
    return {
        "code": progress.code,
        "cycle_start": progress.cycle_start.isoformat(),
        "cycle_end": progress.cycle_end.isoformat() if progress.cycle_end else None,
        "verified": progress.verified,
        "checked": requirement_set.checked.isoformat(),
        "notes": list(requirement_set.notes),
        "rules": [_rule_explanation(r, lines) for r in progress.rules],
    }


def _rule_explanation(rule: RuleProgress, lines: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "rule": rule.rule,
        "kind": rule.kind,
        "verified": rule.verified,
        "note": rule.note,
        "required": _number(rule.required),
        "counted": _number(rule.counted),
        "remaining": _number(rule.remaining),
        "met": rule.met,
        "cut": _number(rule.cut),
        "suggestions": [
            {
                "credit_type": s.credit_type,
                "claimable": _number(s.claimable),
                "reduces_remaining_by": _number(s.reduces_remaining_by),
            }
            for s in rule.suggestions
        ],
    }
    if lines:
        view["lines"] = [_line_view(ln) for ln in rule.lines]
    return view


def _number(value: Decimal | None) -> Decimal | None:
    return None if value is None else to_json_number(value)


def _cents(value: Decimal, rounding: str) -> Decimal:
    return to_json_number(value.quantize(CENT, rounding=rounding))


def _line_view(line: LineCount) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "source": line.source,
        "self_reported": line.self_reported,
        "credit_type": line.credit_type,
        "earned_on": line.earned_on.isoformat(),
        "amount": _number(line.amount),
        "weighted": _number(line.weighted),
        "counted": _number(line.counted),
        "weight_rule": line.weight_rule,
        "cut_by": line.cut_by,
        "reason": line.reason,
    }
