"""Claim persistence: reads, status moves, undo (see docs/adr/0001-claim-protocol.md).

The claim's transactions (a chunk with its page, and what rides with it: the claim record, the
commit, the code items, the catalogue check) are in store.claim_writes.

Cancelling: the claim pending -> cancelling; every page is either tombstoned (never applied, now
never can be) or undone in one transaction with its credits; then cancelled.

Every function reads and returns the domain's data (domain.model); DynamoDB's refusals come out as
the domain's Conflict / TransactionCancelled (store.failures) or as the outcome they mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cme_ledger.domain.errors import TransactionCancelled
from cme_ledger.domain.model import CertificateEntry, ClaimPage, ClaimRecord, StoredClaim
from cme_ledger.store import keys
from cme_ledger.store.claim_items import certificate_of, item_of, page_item, page_of, record_of
from cme_ledger.store.claim_writes import get_page
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import succeeded, translated
from cme_ledger.store.models import CertificateCode, Claim, ClaimLinePage

SORTS = {"claimed_at": "claims_by_claimed", "earned_year": "claims_by_year", "credits": "claims_by_credits"}


# ----------------------------------------------------------------------------- reads


def get_claim(user_id: str, claim_id: str, consistent: bool = True) -> ClaimRecord | None:
    bind()
    try:
        item = Claim.get(keys.user_pk(user_id), keys.claim_sk(claim_id), consistent_read=consistent)
    except Claim.DoesNotExist:
        return None
    return record_of(item)


def get_claims(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ClaimRecord]:
    """Claims by (user_id, claim_id), consistent reads."""
    bind()
    wanted = [(keys.user_pk(u), keys.claim_sk(c)) for u, c in dict.fromkeys(pairs)]
    return {
        (item.user_id, item.claim_id): record_of(item)
        for item in Claim.batch_get(wanted, consistent_read=True)
        if isinstance(item, Claim)
    }


def get_pages(user_id: str, claim_id: str) -> tuple[ClaimPage, ...]:
    """Every page of a claim, in order (one Query per MB; consistent: they precede its commit)."""
    bind()
    return tuple(
        page_of(item)
        for item in ClaimLinePage.query(
            keys.user_pk(user_id),
            ClaimLinePage.sk.startswith(keys.claim_pages_prefix(claim_id)),
            consistent_read=True,
        )
    )


def load(record: ClaimRecord) -> StoredClaim:
    return StoredClaim(record, get_pages(record.user_id, record.claim_id))


def get_certificate(code: str, consistent: bool = False) -> CertificateEntry | None:
    bind()
    try:
        return certificate_of(
            CertificateCode.get(keys.code_pk(code), keys.CODE_SK, consistent_read=consistent)
        )
    except CertificateCode.DoesNotExist:
        return None


def query_claims(
    user_id: str, sort: str, ascending: bool, limit: int, after: dict[str, str] | None
) -> tuple[list[ClaimRecord], dict[str, str] | None]:
    """A page of the learner's committed claims in the order of one local index."""
    bind()
    index = getattr(Claim, SORTS[sort])
    result = index.query(
        keys.user_pk(user_id),
        scan_index_forward=ascending,
        limit=limit,
        last_evaluated_key={k: {"S": v} for k, v in after.items()} if after else None,
    )
    items = [record_of(item) for item in result]
    last = result.last_evaluated_key
    return items, ({k: v["S"] for k, v in last.items()} if last else None)


def _work_items(work_pk: str, before: str, limit: int = 500) -> Iterator[tuple[str, str]]:
    """(user id, claim id) of claims queued under `work_pk` whose work_sk sorts before `before`."""
    paginator = client().get_paginator("query")
    pages = paginator.paginate(
        TableName=table_name(),
        IndexName="work",
        KeyConditionExpression="work_pk = :p AND work_sk < :b",
        ExpressionAttributeValues={":p": {"S": work_pk}, ":b": {"S": before}},
        PaginationConfig={"MaxItems": limit, "PageSize": min(limit, 500)},
    )
    for page in pages:
        for item in page.get("Items", []):
            yield keys.user_of(item["pk"]["S"]), keys.claim_of(item["sk"]["S"])


def unfinished_claims(started_before: str) -> list[tuple[str, str]]:
    """(user id, claim id) of claims left pending or cancelling since before that time."""
    return list(_work_items(keys.WORK_PENDING_CLAIMS, started_before))


def unrendered_claims(committed_before: str) -> list[tuple[str, str]]:
    """(user id, claim id) of committed claims still without a certificate since before that time."""
    return list(_work_items(keys.WORK_RENDER, committed_before))


# ----------------------------------------------------------------------------- writes


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def create_pending(record: ClaimRecord) -> bool:
    """Write the claim record (pending, or refused); False when a claim with this id exists already."""
    bind()
    item = item_of(record)
    return succeeded(item.save, condition=Claim.pk.does_not_exist())


def set_status(
    user_id: str,
    claim_id: str,
    new: str,
    expected: tuple[str, ...],
    *,
    render_queued_since: str | None = None,
    failure: dict[str, Any] | None = None,
    sha256: str | None = None,
    pdf_key: str | None = None,
) -> bool:
    """Move the claim from one of `expected` to `new`; False when it was in another state.

    It leaves any work queue, or joins the render queue when `render_queued_since` is given; a
    failure (the refusal it ends with), or the certificate's SHA-256 and key, are set alongside.
    """
    bind()
    claim = Claim(keys.user_pk(user_id), keys.claim_sk(claim_id))
    actions: list[Any] = [Claim.status.set(new)]
    if render_queued_since is not None:
        actions += [
            Claim.work_pk.set(keys.WORK_RENDER),
            Claim.work_sk.set(keys.render_work_sk(render_queued_since, claim_id)),
        ]
    elif new not in ("pending", "cancelling"):
        actions += [Claim.work_pk.remove(), Claim.work_sk.remove()]
    if failure is not None:
        actions.append(Claim.failure.set(failure))
    if sha256 is not None and pdf_key is not None:
        actions += [Claim.sha256.set(sha256), Claim.pdf_key.set(pdf_key)]
    return succeeded(claim.update, actions=actions, condition=Claim.status.is_in(*expected))


def void_or_undo_page(user_id: str, claim_id: str, credit_type: str, page: int) -> None:
    """Make sure chunk `page` is not applied: tombstone it if absent, undo it if applied."""
    name = table_name()
    pk = keys.user_pk(user_id)
    tombstone = {
        "TableName": name,
        "Item": page_item(user_id, claim_id, page, "void", None),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    if succeeded(client().put_item, **tombstone):
        return
    existing = get_page(user_id, claim_id, page)
    if existing is None or existing.state != "applied":
        return
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": name,
                "Key": _key(pk, keys.credit_sk(line.credit_id)),
                "UpdateExpression": "SET claimed.#t = claimed.#t - :a, version = version + :one REMOVE parts.#c",
                "ConditionExpression": "attribute_exists(parts.#c)",
                "ExpressionAttributeNames": {"#t": credit_type, "#c": claim_id},
                "ExpressionAttributeValues": {":a": {"N": str(line.amount)}, ":one": {"N": "1"}},
            }
        }
        for line in existing.lines
    ]
    items.append(
        {
            "Update": {
                "TableName": name,
                "Key": _key(pk, keys.claim_page_sk(claim_id, page)),
                "UpdateExpression": "SET #s = :undone",
                "ConditionExpression": "#s = :applied",
                "ExpressionAttributeNames": {"#s": "state"},
                "ExpressionAttributeValues": {":undone": {"S": "undone"}, ":applied": {"S": "applied"}},
            }
        }
    )
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled:
        # Another process undid it at the same moment: check it is undone now.
        again = get_page(user_id, claim_id, page)
        if again is None or again.state == "applied":
            raise


def save_evaluation(user_id: str, claim_id: str, evaluation: dict[str, Any], submitted_at: str) -> bool:
    """Store the evaluation once; False when one exists already."""
    bind()
    claim = Claim(keys.user_pk(user_id), keys.claim_sk(claim_id))
    return succeeded(
        claim.update,
        actions=[Claim.evaluation.set(evaluation), Claim.evaluation_submitted_at.set(submitted_at)],
        condition=Claim.evaluation_submitted_at.does_not_exist() & Claim.pk.exists(),
    )
