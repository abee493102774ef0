"""The requirement sets a learner follows: one item in their partition, replaced whole by each PUT."""

from __future__ import annotations

from datetime import date

from cme_ledger.domain.model import ChosenSet
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind


def chosen_of(item: m.RequirementChoices) -> list[ChosenSet]:
    return [ChosenSet(entry.code, date.fromisoformat(entry.cycle_start)) for entry in item.items]


def get_chosen(user_id: str) -> list[ChosenSet]:
    bind()
    try:
        return chosen_of(m.RequirementChoices.get(keys.user_pk(user_id), keys.requirements_sk()))
    except m.RequirementChoices.DoesNotExist:
        return []


def save_chosen(user_id: str, chosen: list[ChosenSet], updated_at: str) -> None:
    bind()
    m.RequirementChoices(
        keys.user_pk(user_id),
        keys.requirements_sk(),
        items=[{"code": c.code, "cycle_start": c.cycle_start.isoformat()} for c in chosen],
        updated_at=updated_at,
    ).save()
