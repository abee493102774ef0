"""Requirement sets and progress as the API shows them (API.md, "Renewal"), amounts as JSON numbers.

Beyond API.md's fields: a set's `checked` date and `notes`, and each rule's `kind`, `verified` and
`note`, so an unverified rule can be shown as such; `explain=True` adds each rule's lines and
claim suggestions to progress.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cme_ledger.domain.amounts import to_json_number
from cme_ledger.domain.requirements.model import (
    AnyRule,
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
        "rules": [_rule_view(r) for r in requirement_set.rules],
        "sources": list(requirement_set.sources),
        "verified": requirement_set.verified,
        "checked": requirement_set.checked.isoformat(),
        "notes": list(requirement_set.notes),
    }


def progress_view(progress: SetProgress, explain: bool = False) -> dict[str, Any]:
    """One item of `GET /me/requirements/progress`."""
    return {
        "code": progress.code,
        "name": progress.name,
        "cycle_start": progress.cycle_start.isoformat(),
        "cycle_end": progress.cycle_end.isoformat() if progress.cycle_end else None,
        "met": progress.met,
        "verified": progress.verified,
        "rules": [_rule_progress_view(r, explain) for r in progress.rules],
    }


def _rule_view(rule: AnyRule) -> dict[str, Any]:
    view: dict[str, Any] = {
        "rule": rule.rule,
        "kind": rule.kind,
        "description": rule.description,
        "verified": rule.verified,
    }
    if rule.note:
        view["note"] = rule.note
    return view


def _number(value: Decimal | None) -> Decimal | None:
    return None if value is None else to_json_number(value)


def _rule_progress_view(rule: RuleProgress, explain: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "rule": rule.rule,
        "kind": rule.kind,
        "description": rule.description,
        "required": _number(rule.required),
        "counted": _number(rule.counted),
        "remaining": _number(rule.remaining),
        "met": rule.met,
        "verified": rule.verified,
    }
    if rule.note:
        view["note"] = rule.note
    if explain:
        view["lines"] = [_line_view(ln) for ln in rule.lines]
        view["cut"] = _number(rule.cut)
        view["suggestions"] = [
            {
                "credit_type": s.credit_type,
                "claimable": _number(s.claimable),
                "reduces_remaining_by": _number(s.reduces_remaining_by),
            }
            for s in rule.suggestions
        ]
    return view


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
