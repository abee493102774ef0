"""Claim persistence: the all-or-nothing commit protocol over DynamoDB transactions.

Protocol (see docs/adr/0001-claim-protocol.md):

1. `create_pending`: one Put of the claim record (status pending, and its plan: which credits and
   amounts each chunk takes, compressed; bounded at API.md's 5,000 selections).
2. `apply_chunk` per chunk (<= 99 lines, a page of <= 300 KB: domain.claim_plan): one
   TransactWriteItems with an Update per credit (claimed[type] += amount, parts[claim] = (type,
   amount), conditions: not applied yet, unexpired at the moment of this write, enough left) and the
   Put of the chunk's page (condition: the page does not exist). The page holds the chunk's lines
   and the snapshot of the courses first met in it, and is the chunk's marker: a chunk is applied
   exactly once, and a tombstone page blocks it forever.
3. `commit`: one TransactWriteItems: the claim pending -> committed (sort keys, render work) with
   its certificate-code items and, for ABP MOC Part 2, the board report entry.

Cancelling: the claim pending -> cancelling; every page is either tombstoned (never applied, now
never can be) or undone in one transaction with its credits; then cancelled.

Every function reads and returns the domain's data (domain.model); DynamoDB's refusals come out as
the domain's Conflict / TransactionCancelled (store.failures) or as the outcome they mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cme_ledger.domain.claim_plan import Chunk
from cme_ledger.domain.errors import TransactionCancelled
from cme_ledger.domain.model import CertificateEntry, ClaimPage, ClaimRecord, StoredClaim
from cme_ledger.store import keys
from cme_ledger.store.attributes import part_value
from cme_ledger.store.claim_items import certificate_of, item_of, page_item, page_of, record_of
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import succeeded, translated
from cme_ledger.store.models import BoardReportEntry, CertificateCode, Claim, ClaimLinePage

SORTS = {"claimed_at": "claims_by_claimed", "earned_year": "claims_by_year", "credits": "claims_by_credits"}


class ChunkConflict(Exception):
    """A chunk could not be applied: the credits named changed under us (or were never claimable)."""

    def __init__(self, credit_ids: list[str]) -> None:
        super().__init__(", ".join(credit_ids))
        self.credit_ids = credit_ids


class ClaimMoved(Exception):
    """The claim is no longer pending (cancelled or committed by another process)."""


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


def apply_chunk(user_id: str, claim_id: str, credit_type: str, chunk: Chunk, now_iso: str) -> str:
    """Apply one chunk atomically. Returns "applied", "already" (its page exists, applied) or raises.

    `now_iso` is the time of this very write: every credit must still be unexpired then, and the
    page records it as the moment its lines were applied (DESIGN invariant 4, checked by the audit).
    Raises ChunkConflict naming the credits whose conditions failed, or ClaimMoved when the page
    is a tombstone (the claim is being cancelled).
    """
    name = table_name()
    pk = keys.user_pk(user_id)
    lines, page = chunk.lines, chunk.index
    items: list[dict[str, Any]] = []
    for ln in lines:
        update = "SET claimed.#t = if_not_exists(claimed.#t, :zero) + :a, parts.#c = :part, version = version + :one"
        if ln.fills:
            update += " REMOVE expiry_pk, expiry_sk"
        items.append(
            {
                "Update": {
                    "TableName": name,
                    "Key": _key(pk, keys.credit_sk(ln.credit_id)),
                    "UpdateExpression": update,
                    "ConditionExpression": (
                        "attribute_not_exists(parts.#c) AND expires_at > :now AND attribute_not_exists(expired_at)"
                        " AND (attribute_not_exists(claimed.#t) OR claimed.#t <= :max)"
                    ),
                    "ExpressionAttributeNames": {"#t": credit_type, "#c": claim_id},
                    "ExpressionAttributeValues": {
                        ":a": {"N": str(ln.amount)},
                        ":max": {"N": str(ln.credit_amount - ln.amount)},
                        ":part": part_value(credit_type, ln.amount),
                        ":now": {"S": now_iso},
                        ":one": {"N": "1"},
                        ":zero": {"N": "0"},
                    },
                }
            }
        )
    items.append(
        {
            "Put": {
                "TableName": name,
                "Item": page_item(user_id, claim_id, page, "applied", chunk, now_iso),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    )
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
        return "applied"
    except TransactionCancelled as cancelled:
        reasons = cancelled.reasons
    if len(reasons) == len(items) and reasons[-1] == "ConditionalCheckFailed":
        existing = _get_page(user_id, claim_id, page)
        if existing is not None and existing.state == "applied":
            return "already"
        raise ClaimMoved(claim_id)
    failed = [ln.credit_id for ln, r in zip(lines, reasons, strict=False) if r == "ConditionalCheckFailed"]
    # DynamoDB and moto both name the failing items; without names, re-check every credit.
    raise ChunkConflict(failed or [ln.credit_id for ln in lines])


def _get_page(user_id: str, claim_id: str, page: int) -> ClaimPage | None:
    bind()
    try:
        return page_of(
            ClaimLinePage.get(keys.user_pk(user_id), keys.claim_page_sk(claim_id, page), consistent_read=True)
        )
    except ClaimLinePage.DoesNotExist:
        return None


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
    existing = _get_page(user_id, claim_id, page)
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
        again = _get_page(user_id, claim_id, page)
        if again is None or again.state == "applied":
            raise


def commit(record: ClaimRecord, certificates: list[CertificateEntry]) -> bool:
    """pending -> committed with its code items (and, for ABP MOC Part 2, the board entry) in one
    transaction; False when the claim was moved on meanwhile. `record` carries the sort keys' data
    (claimed_at, total, earned_from) and `board_report`."""
    name = table_name()
    bind()
    claimed_at = record.claimed_at or ""
    values = {
        ":committed": {"S": "committed"},
        ":pending": {"S": "pending"},
        ":claimed_at": {"S": claimed_at},
        ":by_claimed": {"S": keys.claims_by_claimed(claimed_at, record.claim_id)},
        ":by_year": {"S": keys.claims_by_year(record.earned_from, claimed_at, record.claim_id)},
        ":by_credits": {"S": keys.claims_by_credits(int(record.total * 100), claimed_at, record.claim_id)},
        ":work_pk": {"S": keys.WORK_RENDER},
        ":work_sk": {"S": keys.render_work_sk(claimed_at, record.claim_id)},
    }
    update = (
        "SET #s = :committed, claimed_at = :claimed_at, by_claimed = :by_claimed, by_year = :by_year,"
        " by_credits = :by_credits, work_pk = :work_pk, work_sk = :work_sk"
    )
    if record.board_report:
        update += ", board_report = :queued"
        values[":queued"] = {"S": "queued"}
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.user_pk(record.user_id), keys.claim_sk(record.claim_id)),
                "UpdateExpression": update,
                "ConditionExpression": "#s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": values,
            }
        }
    ]
    code_items = [
        CertificateCode(
            keys.code_pk(cert.code),
            keys.CODE_SK,
            code=cert.code,
            user_id=cert.user_id,
            claim_id=cert.claim_id,
            course_id=cert.course_id,
            course_title=cert.course_title,
            provider=cert.provider,
            total=cert.total,
            earned_from=cert.earned_from,
            earned_to=cert.earned_to,
        ).serialize()
        for cert in certificates
    ]
    if record.board_report:
        entry = BoardReportEntry(
            keys.user_pk(record.user_id),
            keys.board_entry_sk(record.claim_id),
            user_id=record.user_id,
            claim_id=record.claim_id,
            queued_at=claimed_at,
            work_pk=keys.WORK_ABP_QUEUED,
            work_sk=keys.abp_work_sk(claimed_at, record.user_id, record.claim_id),
        )
        code_items.append(entry.serialize())
    # Codes beyond one transaction's room are written first; they mean nothing until the commit.
    room = 99
    extra, inline = code_items[room:], code_items[:room]
    for item in extra:
        client().put_item(TableName=name, Item=item)
    items.extend({"Put": {"TableName": name, "Item": item}} for item in inline)
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled:
        return False
    return True


def save_evaluation(user_id: str, claim_id: str, evaluation: dict[str, Any], submitted_at: str) -> bool:
    """Store the evaluation once; False when one exists already."""
    bind()
    claim = Claim(keys.user_pk(user_id), keys.claim_sk(claim_id))
    return succeeded(
        claim.update,
        actions=[Claim.evaluation.set(evaluation), Claim.evaluation_submitted_at.set(submitted_at)],
        condition=Claim.evaluation_submitted_at.does_not_exist() & Claim.pk.exists(),
    )
