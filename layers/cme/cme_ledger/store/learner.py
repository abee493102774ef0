"""A learner's whole partition in one read: everything requirement progress needs, one Query per
1 MB page (DynamoDB's page size), whatever the number of claims, pages and external credits.

Reading item by item (a Query per claim for its pages, a GetItem for the profile and the chosen
sets) would cost a request per claim; the partition holds all of it (docs/architecture.md,
"Single table"), so progress reads it once, in key order, and sorts the items by kind.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cme_ledger.domain.model import (
    ChosenSet,
    ClaimPage,
    ClaimRecord,
    Credit,
    ExternalCredit,
    Profile,
    StoredClaim,
)
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.claim_items import page_of, record_of
from cme_ledger.store.credits import credit_of
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.external_credits import external_of
from cme_ledger.store.profiles import profile_of
from cme_ledger.store.requirements import chosen_of

# The kinds progress reads; any other item of the partition (source refs, board entries) is skipped.
_MODELS: Mapping[str, type[m.LedgerItem]] = {
    "profile": m.Profile,
    "credit": m.Credit,
    "claim": m.Claim,
    "claim_lines": m.ClaimLinePage,
    "external_credit": m.ExternalCreditItem,
    "requirement_choices": m.RequirementChoices,
}


@dataclass
class LearnerRecords:
    """What the partition holds, as the domain's data. `queries`: the Query requests it took."""

    profile: Profile | None = None
    credits: list[Credit] = field(default_factory=list)
    claims: list[StoredClaim] = field(default_factory=list)
    external_credits: list[ExternalCredit] = field(default_factory=list)
    chosen: list[ChosenSet] = field(default_factory=list)
    queries: int = 0


def read_learner(user_id: str, *, with_credits: bool = True) -> LearnerRecords:
    """The learner's profile, credits, committed and other claims with their pages, external credits
    and chosen sets, from one paginated Query of their partition (eventually consistent).
    `with_credits` False leaves the credit items unread (progress needs none: only claimed lines
    count), which saves turning thousands of items into data."""
    bind()
    records = LearnerRecords()
    records_by_claim: dict[str, ClaimRecord] = {}
    pages: dict[str, list[ClaimPage]] = {}
    paginator = client().get_paginator("query")
    for page in paginator.paginate(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(user_id)}},
    ):
        records.queries += 1
        for raw in page.get("Items", []):
            kind = str((raw.get("kind") or {}).get("S"))
            model = _MODELS.get(kind)
            if model is None or (kind == "credit" and not with_credits):
                continue
            item = model.from_raw_data(raw)
            if isinstance(item, m.Credit):
                records.credits.append(credit_of(item))
            elif isinstance(item, m.Claim):
                records_by_claim[item.claim_id] = record_of(item)
            elif isinstance(item, m.ClaimLinePage):
                pages.setdefault(item.claim_id, []).append(page_of(item))
            elif isinstance(item, m.ExternalCreditItem):
                records.external_credits.append(external_of(item))
            elif isinstance(item, m.RequirementChoices):
                records.chosen = chosen_of(item)
            elif isinstance(item, m.Profile):
                records.profile = profile_of(item)
    records.claims = [
        StoredClaim(record, tuple(sorted(pages.get(claim_id, []), key=lambda p: p.index)))
        for claim_id, record in records_by_claim.items()
    ]
    return records


@dataclass
class Claimant:
    """What a claim reads of its learner: the profile and the credits it may take."""

    profile: Profile | None
    credits: dict[str, Credit]
    requests: int = 0


BATCH_KEYS = 100  # keys in one BatchGetItem


def read_claimant(user_id: str, credit_ids: list[str] | None) -> Claimant:
    """The learner's profile and credits, consistent, in as few requests as the sizes allow.

    `credit_ids` None (claim all): the open credits and the profile from the local index `open`, one
    Query per 1 MB page of open items. Fewer than 100 ids: one BatchGetItem of the profile and those
    credits. More: one Query of the partition from the first credit to the profile (its pages),
    keeping those asked for (ids of other learners are simply absent).
    """
    bind()
    pk = keys.user_pk(user_id)
    claimant = Claimant(None, {})
    if credit_ids is not None and len(credit_ids) < BATCH_KEYS:
        wanted = [keys.profile_sk(), *(keys.credit_sk(c) for c in dict.fromkeys(credit_ids))]
        for raw in _batch_get(pk, wanted, claimant):
            _take(raw, claimant)
        return claimant
    query: dict[str, Any] = {
        "TableName": table_name(),
        "ConsistentRead": True,
        "ExpressionAttributeValues": {
            ":pk": {"S": pk},
            ":lo": {"S": keys.CREDIT_PREFIX},
            ":hi": {"S": keys.OPEN_PROFILE},
        },
    }
    if credit_ids is None:
        query["IndexName"] = "open"
        query["KeyConditionExpression"] = "pk = :pk AND open_sk BETWEEN :lo AND :hi"
    else:
        query["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :lo AND :hi"
    asked = set(credit_ids) if credit_ids is not None else None
    for page in client().get_paginator("query").paginate(**query):
        claimant.requests += 1
        for raw in page.get("Items", []):
            _take(raw, claimant, asked)
    return claimant


def _batch_get(pk: str, sks: list[str], claimant: Claimant) -> list[dict[str, Any]]:
    """Every item of one BatchGetItem, asking again for the keys DynamoDB left unprocessed."""
    name = table_name()
    request: dict[str, Any] = {
        name: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for sk in sks], "ConsistentRead": True}
    }
    found: list[dict[str, Any]] = []
    for attempt in range(8):
        claimant.requests += 1
        reply = client().batch_get_item(RequestItems=request)
        found.extend(reply.get("Responses", {}).get(name, []))
        request = reply.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(min(0.05 * 2**attempt, 1.0))
    raise RuntimeError("DynamoDB left keys unprocessed eight times in a row")


def _take(raw: dict[str, Any], claimant: Claimant, asked: set[str] | None = None) -> None:
    kind = str((raw.get("kind") or {}).get("S"))
    if kind == "profile":
        claimant.profile = profile_of(m.Profile.from_raw_data(raw))
    elif kind == "credit":
        credit = credit_of(m.Credit.from_raw_data(raw))
        if asked is None or credit.credit_id in asked:
            claimant.credits[credit.credit_id] = credit
