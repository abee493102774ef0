"""Earned credit: recording it (idempotent per source), the learner's listings and summary."""

from __future__ import annotations

import secrets
from typing import Any

from cme_ledger import clock
from cme_ledger.domain import credits as rules
from cme_ledger.domain.credits import NewCredit
from cme_ledger.domain.model import Credit
from cme_ledger.services import reminders
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import credits as store


def record_credits(items: list[NewCredit]) -> list[dict[str, Any]]:
    """Record a batch of earned credit, all validated before anything is written.

    The same (user_id, source_id) again returns the credit first recorded, with created False.
    """
    now = clock.now()
    courses = courses_by_id()
    rules.recording_problems(items, courses, now)
    known = store.get_source_refs((i.user_id, i.source_id) for i in items)
    results: list[dict[str, Any]] = []
    created: list[Credit] = []
    for item in items:
        ref = (item.user_id, item.source_id)
        if ref not in known:
            credit = rules.build_credit(item, courses[item.course_id], now, secrets.token_hex(5))
            existing = store.create_credit(credit)
            known[ref] = existing if existing is not None else credit.credit_id
            if existing is None:
                created.append(credit)
                results.append({"credit_id": credit.credit_id, "source_id": item.source_id, "created": True})
                continue
        results.append({"credit_id": known[ref], "source_id": item.source_id, "created": False})
    if created:
        store.ensure_sweep_start(clock.iso(now)[:10])
        reminders.note_entered_index(created)
    return results


def list_credits(
    user_id: str, credit_type: str | None, course_id: str | None, limit: int, after: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The caller's unexpired credits with something claimable, oldest first; (items, next position)."""
    if credit_type is not None:
        rules.check_credit_type(credit_type)
    # limit + 1: the one after the page says whether another page follows.
    credits = store.iter_open_credits(user_id, course_id, after, page_size=limit + 1)
    return rules.list_page(
        credits, courses_by_id(), clock.now(), credit_type=credit_type, course_id=course_id, limit=limit
    )


def credit_summary(user_id: str, credit_type: str | None) -> dict[str, Any]:
    """What the caller can claim now for one type, by course in title order."""
    if credit_type is not None:
        rules.check_credit_type(credit_type)
    return rules.summary(store.iter_open_credits(user_id), courses_by_id(), clock.now(), credit_type)
