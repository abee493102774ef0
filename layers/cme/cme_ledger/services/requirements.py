"""Renewal requirements: the rule sets, the sets a learner follows, and their progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from cme_ledger import clock
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.profiles import time_zone_of
from cme_ledger.domain.renewal import (
    choices_view,
    chosen_sets,
    claimable_credit,
    claimed_lines,
    external_lines,
    today_in,
)
from cme_ledger.domain.requirements import (
    RequirementSet,
    SetProgress,
    evaluate_all,
    explanation_view,
    progress_view,
    requirement_catalogue,
    requirement_sets_view,
)
from cme_ledger.observability import logger
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import learner
from cme_ledger.store import requirements as store


def _sets() -> dict[str, RequirementSet]:
    return requirement_catalogue().sets


def requirement_sets() -> dict[str, Any]:
    return requirement_sets_view(requirement_catalogue())


def chosen(user_id: str) -> dict[str, Any]:
    return choices_view(store.get_chosen(user_id))


def choose(user_id: str, items: Sequence[tuple[str, date]]) -> dict[str, Any]:
    """Replace the sets the learner follows (422 naming an unknown or repeated code)."""
    sets = chosen_sets(items, _sets())
    store.save_chosen(user_id, sets, clock.iso(clock.now()))
    return choices_view(sets)


def _evaluate(user_id: str, on: date | None, *, suggest: bool) -> list[SetProgress]:
    """Progress in every chosen set, from one read of the learner's partition (and, for suggestions,
    the catalogue: which types each unclaimed credit could still be claimed as)."""
    records = learner.read_learner(user_id, with_credits=suggest)
    sets = _sets()
    now = clock.now()
    zone = time_zone_of(records.profile)
    day = on or today_in(zone, now)
    # A set the rule data no longer has is left out (the audit names whoever still follows it).
    following = [c for c in records.chosen if c.code in sets]
    lines = claimed_lines(records.claims) + external_lines(records.external_credits)
    claimable = claimable_credit(records.credits, courses_by_id(), now, zone) if suggest else []
    progress = evaluate_all(following, day, lines, claimable, sets)
    logger.info(
        "requirement progress",
        extra={
            "sets": len(following),
            "lines": len(lines),
            "claimable": len(claimable),
            "queries": records.queries,
        },
    )
    return progress


def progress(user_id: str, on: date | None) -> dict[str, Any]:
    """`GET /me/requirements/progress`: API.md's figures (no suggestions: no catalogue read)."""
    return {"items": [progress_view(p) for p in _evaluate(user_id, on, suggest=False)]}


def explanation(user_id: str, on: date | None, code: str | None) -> dict[str, Any]:
    """The project's `GET /me/requirements/explanation`: what claiming would help, caps, notes, and
    with `code` (one set) every line behind each figure."""
    sets = _sets()
    if code is not None and code not in sets:
        raise InvalidInput(
            "Unknown requirement set.", [{"field": "code", "reason": "unknown requirement set"}]
        )
    return {
        "items": [
            explanation_view(p, sets[p.code], lines=code is not None)
            for p in _evaluate(user_id, on, suggest=True)
            if code is None or p.code == code
        ]
    }
