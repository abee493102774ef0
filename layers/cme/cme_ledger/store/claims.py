"""Claim persistence: the multi-step, all-or-nothing commit protocol over DynamoDB transactions.

Protocol (see docs/adr/0001-claim-protocol.md):

1. `create_pending`: one Put of the claim record (status pending, and its plan: which credits and
   amounts each chunk takes, compressed; bounded at API.md's 5,000 selections).
2. `apply_chunk` per chunk (<= 99 lines, a page of <= 300 KB: domain.claim_plan): one
   TransactWriteItems with an Update per credit (claimed[type] += amount, parts[claim] = (type,
   amount), conditions: not applied yet, unexpired at the moment of this write, enough left) and the
   Put of the chunk's line page (condition: the page does not exist). The page holds the chunk's
   lines and the snapshot of the courses first met in it, and is the chunk's marker: a chunk is
   applied exactly once, and a tombstone page blocks it forever.
3. `commit`: one TransactWriteItems: the claim pending -> committed (sort keys, render work) with
   its certificate-code items and, for ABP MOC Part 2, the board report entry.

Cancelling: the claim pending -> cancelling; every page is either tombstoned (never applied, now
never can be) or undone in one transaction with its credits; then cancelled.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from cme_ledger.domain.claim_plan import Chunk
from cme_ledger.store import keys
from cme_ledger.store.attributes import part_value
from cme_ledger.store.db import bind, client, is_condition_failure, table_name
from cme_ledger.store.models import BoardReportEntry, CertificateCode, Claim, ClaimLinePage, LedgerItem


class ChunkConflict(Exception):
    """A chunk could not be applied: the credits named changed under us (or were never claimable)."""

    def __init__(self, credit_ids: list[str]) -> None:
        super().__init__(", ".join(credit_ids))
        self.credit_ids = credit_ids


class ClaimMoved(Exception):
    """The claim is no longer pending (cancelled or committed by another process)."""


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate of a committed claim, as its code item keeps it for verification."""

    code: str
    course_id: str
    title: str
    provider: str
    total: Decimal


def encode_plan(chunks: list[Chunk]) -> bytes:
    """Which credit each chunk takes, and how much: all a resumed claim needs to redo the rest."""
    rows = [[[ln.credit_id, str(ln.amount)] for ln in chunk.lines] for chunk in chunks]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)


def decode_plan(blob: bytes) -> list[list[tuple[str, Decimal]]]:
    return [[(row[0], Decimal(row[1])) for row in chunk] for chunk in json.loads(zlib.decompress(blob))]


# ----------------------------------------------------------------------------- reads


def get_claim(user_id: str, claim_id: str, consistent: bool = True) -> Claim | None:
    bind()
    try:
        return Claim.get(keys.user_pk(user_id), keys.claim_sk(claim_id), consistent_read=consistent)
    except Claim.DoesNotExist:
        return None


def get_pages(user_id: str, claim_id: str) -> list[ClaimLinePage]:
    bind()
    return list(
        ClaimLinePage.query(
            keys.user_pk(user_id),
            ClaimLinePage.sk.startswith(keys.claim_pages_prefix(claim_id)),
            consistent_read=True,
        )
    )


def get_code(code: str) -> CertificateCode | None:
    bind()
    try:
        return CertificateCode.get(keys.code_pk(code), keys.CODE_SK)
    except CertificateCode.DoesNotExist:
        return None


def query_claims(
    user_id: str, index: str, ascending: bool, limit: int, after: dict[str, str] | None
) -> tuple[list[Claim], dict[str, str] | None]:
    """A page of the learner's committed claims in the order of one local index."""
    bind()
    idx = {
        "claimed_at": Claim.claims_by_claimed,
        "earned_year": Claim.claims_by_year,
        "credits": Claim.claims_by_credits,
    }[index]
    result = idx.query(
        keys.user_pk(user_id),
        scan_index_forward=ascending,
        limit=limit,
        last_evaluated_key={k: {"S": v} for k, v in after.items()} if after else None,
    )
    items = list(result)
    last = result.last_evaluated_key
    return items, ({k: v["S"] for k, v in last.items()} if last else None)


def work_items(work_pk: str, before: str, limit: int = 500) -> Iterator[tuple[str, str]]:
    """(pk, sk) of items queued under `work_pk` whose work_sk sorts before `before`.

    The index projects keys only (no discriminator), so it is read with the raw client.
    """
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
            yield item["pk"]["S"], item["sk"]["S"]


# ----------------------------------------------------------------------------- writes


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def create_pending(claim: Claim) -> bool:
    """Write the pending claim record; False when a claim with this id exists already."""
    bind()
    try:
        claim.save(condition=Claim.pk.does_not_exist())
    except Exception as exc:  # pynamodb wraps ClientError in PutError
        if is_condition_failure(exc):
            return False
        raise
    return True


def _page_item(
    user_id: str,
    claim_id: str,
    page: int,
    state: str,
    chunk: Chunk | None,
    applied_at: str | None = None,
) -> dict[str, Any]:
    item = ClaimLinePage(
        keys.user_pk(user_id),
        keys.claim_page_sk(claim_id, page),
        claim_id=claim_id,
        page=page,
        state=state,
        applied_at=applied_at,
        lines=[
            {
                "credit_id": ln.credit_id,
                "course_id": ln.course_id,
                "topic": ln.topic,
                "earned_at": ln.earned_at,
                "amount": ln.amount,
            }
            for ln in (chunk.lines if chunk else ())
        ],
        courses=[
            {"course_id": c.course_id, "title": c.title, "provider": c.provider, "code": c.code}
            for c in (chunk.courses if chunk else ())
        ],
    )
    return item.serialize()


def apply_chunk(user_id: str, claim_id: str, credit_type: str, chunk: Chunk, now_iso: str) -> str:
    """Apply one chunk atomically. Returns "applied", "already" (its page exists, applied) or raises.

    `now_iso` is the time of this very write: every credit must still be unexpired then, and the
    page records it as the moment its lines were applied (DESIGN invariant 4, checked by the audit).
    Raises ChunkConflict naming the credits whose conditions failed, or ClaimMoved when the page
    is a tombstone (the claim is being cancelled).
    """
    lines, page = chunk.lines, chunk.index
    name = table_name()
    pk = keys.user_pk(user_id)
    items: list[dict[str, Any]] = []
    for ln in lines:
        values: dict[str, Any] = {
            ":a": {"N": str(ln.amount)},
            ":max": {"N": str(ln.credit_amount - ln.amount)},
            ":part": part_value(credit_type, ln.amount),
            ":now": {"S": now_iso},
            ":one": {"N": "1"},
            ":zero": {"N": "0"},
        }
        update = "SET claimed.#t = if_not_exists(claimed.#t, :zero) + :a, parts.#c = :part, version = version + :one"
        condition = (
            "attribute_not_exists(parts.#c) AND expires_at > :now AND attribute_not_exists(expired_at)"
            " AND (attribute_not_exists(claimed.#t) OR claimed.#t <= :max)"
        )
        if ln.fills:
            update += " REMOVE expiry_pk, expiry_sk"
        items.append(
            {
                "Update": {
                    "TableName": name,
                    "Key": _key(pk, keys.credit_sk(ln.credit_id)),
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#t": credit_type, "#c": claim_id},
                    "ExpressionAttributeValues": values,
                }
            }
        )
    items.append(
        {
            "Put": {
                "TableName": name,
                "Item": _page_item(user_id, claim_id, page, "applied", chunk, now_iso),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    )
    try:
        client().transact_write_items(TransactItems=items)
        return "applied"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = exc.response.get("CancellationReasons") or []
        page_reason = reasons[-1].get("Code") if len(reasons) == len(items) else None
        failed = [
            ln.credit_id
            for ln, r in zip(lines, reasons, strict=False)
            if r.get("Code") == "ConditionalCheckFailed"
        ]
    if page_reason == "ConditionalCheckFailed":
        existing = _get_page(user_id, claim_id, page)
        if existing is not None and existing.state == "applied":
            return "already"
        raise ClaimMoved(claim_id)
    if not failed:
        # Moto and DynamoDB both name the failing items; without names, re-check every credit.
        failed = [ln.credit_id for ln in lines]
    raise ChunkConflict(failed)


def _get_page(user_id: str, claim_id: str, page: int) -> ClaimLinePage | None:
    bind()
    try:
        return ClaimLinePage.get(
            keys.user_pk(user_id), keys.claim_page_sk(claim_id, page), consistent_read=True
        )
    except ClaimLinePage.DoesNotExist:
        return None


def set_status(user_id: str, claim_id: str, new: str, expected: tuple[str, ...], **extra: Any) -> bool:
    """Move the claim from one of `expected` to `new`; False when it was in another state."""
    bind()
    claim = Claim(keys.user_pk(user_id), keys.claim_sk(claim_id))
    actions: list[Any] = [Claim.status.set(new)]
    for attr, value in extra.items():
        actions.append(getattr(Claim, attr).remove() if value is None else getattr(Claim, attr).set(value))
    try:
        claim.update(actions=actions, condition=Claim.status.is_in(*expected))
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def void_or_undo_page(user_id: str, claim_id: str, credit_type: str, page: int) -> None:
    """Make sure chunk `page` is not applied: tombstone it if absent, undo it if applied."""
    name = table_name()
    pk = keys.user_pk(user_id)
    try:
        client().put_item(
            TableName=name,
            Item=_page_item(user_id, claim_id, page, "void", None),
            ConditionExpression="attribute_not_exists(pk)",
        )
        return
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
    existing = _get_page(user_id, claim_id, page)
    if existing is None or existing.state != "applied":
        return
    items: list[dict[str, Any]] = []
    for line in existing.lines:
        items.append(
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
        )
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
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        # Another process undid it at the same moment: check it is undone now.
        again = _get_page(user_id, claim_id, page)
        if again is None or again.state == "applied":
            raise


def restore_index_keys(user_id: str, entries: list[tuple[str, str, str]]) -> None:
    """Put credits back into the expiry index: (credit id, expiry_pk, expiry_sk) each, unless expired."""
    name = table_name()
    pk = keys.user_pk(user_id)
    for credit_id, index_pk, index_sk in entries:
        try:
            client().update_item(
                TableName=name,
                Key=_key(pk, keys.credit_sk(credit_id)),
                UpdateExpression="SET expiry_pk = :p, expiry_sk = :s",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(expired_at)",
                ExpressionAttributeValues={":p": {"S": index_pk}, ":s": {"S": index_sk}},
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise


def expire_unindexed(user_id: str, credit_id: str, unclaimed: dict[str, Decimal], now_iso: str) -> bool:
    """Mark a credit out of the expiry index expired (an undone claim had filled it); False when it
    is back in the index, already expired, or not due."""
    try:
        client().update_item(
            TableName=table_name(),
            Key=_key(keys.user_pk(user_id), keys.credit_sk(credit_id)),
            UpdateExpression="SET expired_at = :now, unclaimed_at_expiry = :left",
            ConditionExpression=(
                "attribute_exists(pk) AND attribute_not_exists(expired_at)"
                " AND attribute_not_exists(expiry_pk) AND expires_at <= :now"
            ),
            ExpressionAttributeValues={
                ":now": {"S": now_iso},
                ":left": {"M": {code: {"N": str(value)} for code, value in unclaimed.items()}},
            },
        )
    except ClientError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def commit(claim: Claim, certificates: list[CertificateRecord], board_entry: bool) -> bool:
    """pending -> committed with its code items (and board entry) in one transaction; False if moved."""
    name = table_name()
    bind()
    values = {
        ":committed": {"S": "committed"},
        ":pending": {"S": "pending"},
        ":claimed_at": {"S": claim.claimed_at or ""},
        ":by_claimed": {"S": claim.by_claimed or ""},
        ":by_year": {"S": claim.by_year or ""},
        ":by_credits": {"S": claim.by_credits or ""},
        ":work_pk": {"S": keys.WORK_RENDER},
        ":work_sk": {"S": f"{claim.claimed_at}#{claim.claim_id}"},
    }
    update = (
        "SET #s = :committed, claimed_at = :claimed_at, by_claimed = :by_claimed, by_year = :by_year,"
        " by_credits = :by_credits, work_pk = :work_pk, work_sk = :work_sk"
    )
    if board_entry:
        update += ", board_report = :queued"
        values[":queued"] = {"S": "queued"}
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": name,
                "Key": _key(claim.pk, claim.sk),
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
            user_id=claim.user_id,
            claim_id=claim.claim_id,
            course_id=cert.course_id,
            course_title=cert.title,
            provider=cert.provider,
            total=cert.total,
        ).serialize()
        for cert in certificates
    ]
    if board_entry:
        entry = BoardReportEntry(
            claim.pk,
            keys.board_entry_sk(claim.claim_id),
            user_id=claim.user_id,
            claim_id=claim.claim_id,
            queued_at=claim.claimed_at or "",
            work_pk=keys.WORK_ABP_QUEUED,
            work_sk=f"{claim.claimed_at}#{claim.user_id}#{claim.claim_id}",
        )
        code_items.append(entry.serialize())
    # Codes beyond one transaction's room are written first; they mean nothing until the commit.
    room = 99
    extra, inline = code_items[room:], code_items[:room]
    for item in extra:
        client().put_item(TableName=name, Item=item)
    items.extend({"Put": {"TableName": name, "Item": item}} for item in inline)
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            return False
        raise
    return True


def save_evaluation(user_id: str, claim_id: str, evaluation: dict[str, Any], submitted_at: str) -> bool:
    """Store the evaluation once; False when one exists already."""
    bind()
    claim = Claim(keys.user_pk(user_id), keys.claim_sk(claim_id))
    try:
        claim.update(
            actions=[Claim.evaluation.set(evaluation), Claim.evaluation_submitted_at.set(submitted_at)],
            condition=Claim.evaluation_submitted_at.does_not_exist() & Claim.pk.exists(),
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def scan_everything() -> Iterator[LedgerItem]:
    """Every item of the table (the audit's full read; never on a request path)."""
    bind()
    yield from LedgerItem.scan()
