"""Builders for the requirement tests: lines in one call, and small sets parsed as the real data is."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from cme_ledger.domain.requirements import CreditLine, RequirementSet, parse_catalogue
from cme_ledger.domain.requirements.model import LineSource


def line(
    line_id: str,
    credit_type: str,
    amount: str,
    earned_on: str,
    topics: Iterable[str] = (),
    *,
    live: bool = False,
    credit: str | None = None,
    source: LineSource = "claim",
    revoked: bool = False,
) -> CreditLine:
    """A line of `amount` (text, read exactly) earned on the ISO date; its own credit unless `credit`."""
    return CreditLine(
        source=source,
        line_id=line_id,
        credit_id=credit or line_id,
        credit_type=credit_type,
        amount=Decimal(amount),
        earned_on=date.fromisoformat(earned_on),
        topics=frozenset(topics),
        live=live,
        revoked=revoked,
    )


def raw_set(rules: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """A set as it is written in requirement_sets.json (2-year cycles of AMA PRA 1 / ACEP / AAPA 1 by default)."""
    raw: dict[str, Any] = {
        "code": "TEST_SET",
        "name": "Test set",
        "authority": "Test board",
        "cycle_years": 2,
        "credit_types": ["AMA_PRA_1", "ACEP", "AAPA_1", "ABP_MOC_4"],
        "sources": ["https://example.org/rules"],
        "checked": "2026-12-02",
        "verified": True,
        "rules": rules,
    }
    raw.update(overrides)
    return raw


def catalogue_data(*sets: dict[str, Any]) -> dict[str, Any]:
    return {"format": 1, "version": 1, "sets": list(sets)}


def make_set(rules: list[dict[str, Any]], **overrides: Any) -> RequirementSet:
    """Parse one set through the real loader (so every test set is also valid data)."""
    return parse_catalogue(catalogue_data(raw_set(rules, **overrides))).sets[
        overrides.get("code", "TEST_SET")
    ]


TOTAL_100: dict[str, Any] = {"rule": "total", "kind": "total", "required": 100, "description": "100 in all."}
