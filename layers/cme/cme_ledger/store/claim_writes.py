"""The claim's transactions (docs/adr/0001-claim-protocol.md): a chunk of credit updates with its
page, and what may ride in the same transaction: the claim record (pending, or committed for a claim
written whole), the commit, the certificate-code items and board entry, the catalogue check.

A chunk is applied in one TransactWriteItems: an Update per credit (claimed[type] += amount,
parts[claim] = (type, amount); conditions: not applied yet, unexpired at the moment of this write,
not swept, enough left) and the Put of the chunk's page (condition: absent), which is the chunk's
marker: a chunk is applied exactly once, and a tombstone page blocks it forever. DynamoDB names the
item whose condition failed (CancellationReasons, in the order of the items), and that says what
happened: a credit changed, the claim exists already, the claim moved on, the catalogue changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cme_ledger.domain.claim_plan import Chunk
from cme_ledger.domain.errors import TransactionCancelled
from cme_ledger.domain.model import CertificateEntry, ClaimPage, ClaimRecord
from cme_ledger.store import keys
from cme_ledger.store.attributes import part_value
from cme_ledger.store.catalog import version_check
from cme_ledger.store.claim_items import item_of, page_item, page_of
from cme_ledger.store.credits import LEAVE_INDEXES
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import translated
from cme_ledger.store.models import BoardReportEntry, CertificateCode, ClaimLinePage

CONDITION_FAILED = "ConditionalCheckFailed"


class ChunkConflict(Exception):
    """A chunk could not be applied: the credits named changed under us (or were never claimable)."""

    def __init__(self, credit_ids: list[str]) -> None:
        super().__init__(", ".join(credit_ids))
        self.credit_ids = credit_ids


class ClaimMoved(Exception):
    """The claim is no longer pending (cancelled or committed by another process)."""


class ClaimExists(Exception):
    """The claim record is there already: the same Idempotency-Key, sent again or at the same time."""


class CatalogueChanged(Exception):
    """The catalogue is no longer at the version the claim was decided with."""


@dataclass(frozen=True)
class Riders:
    """What rides in a chunk's transaction besides its credits and page."""

    record: ClaimRecord | None = None  # put, condition absent: pending, or committed (written whole)
    commit: ClaimRecord | None = None  # pending -> committed (carries claimed_at and the sort keys' data)
    certificates: tuple[CertificateEntry, ...] = ()  # with `record` committed, or with `commit`
    catalogue_version: int | None = None  # ConditionCheck: the catalogue is still at this version

    @property
    def committing(self) -> ClaimRecord | None:
        return self.commit or (self.record if self.record and self.record.status == "committed" else None)


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _credit_update(
    name: str, pk: str, claim_id: str, credit_type: str, line: Any, now_iso: str
) -> dict[str, Any]:
    update = (
        "SET claimed.#t = if_not_exists(claimed.#t, :zero) + :a, parts.#c = :part, version = version + :one"
    )
    if line.fills:
        update += " " + LEAVE_INDEXES
    return {
        "Update": {
            "TableName": name,
            "Key": _key(pk, keys.credit_sk(line.credit_id)),
            "UpdateExpression": update,
            "ConditionExpression": (
                "attribute_not_exists(parts.#c) AND expires_at > :now AND attribute_not_exists(expired_at)"
                " AND (attribute_not_exists(claimed.#t) OR claimed.#t <= :max)"
            ),
            "ExpressionAttributeNames": {"#t": credit_type, "#c": claim_id},
            "ExpressionAttributeValues": {
                ":a": {"N": str(line.amount)},
                ":max": {"N": str(line.credit_amount - line.amount)},
                ":part": part_value(credit_type, line.amount),
                ":now": {"S": now_iso},
                ":one": {"N": "1"},
                ":zero": {"N": "0"},
            },
        }
    }


def commit_update(record: ClaimRecord) -> dict[str, Any]:
    """pending -> committed: the sort keys, the render queue, and for ABP MOC Part 2 the board mark."""
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
    return {
        "Update": {
            "TableName": table_name(),
            "Key": _key(keys.user_pk(record.user_id), keys.claim_sk(record.claim_id)),
            "UpdateExpression": update,
            "ConditionExpression": "#s = :pending",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": values,
        }
    }


def certificate_items(record: ClaimRecord, certificates: Iterable[CertificateEntry]) -> list[dict[str, Any]]:
    """The code item of each certificate and, for ABP MOC Part 2, the board report entry."""
    items = [
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
        claimed_at = record.claimed_at or ""
        entry = BoardReportEntry(
            keys.user_pk(record.user_id),
            keys.board_entry_sk(record.claim_id),
            user_id=record.user_id,
            claim_id=record.claim_id,
            queued_at=claimed_at,
            work_pk=keys.WORK_ABP_QUEUED,
            work_sk=keys.abp_work_sk(claimed_at, record.user_id, record.claim_id),
        )
        items.append(entry.serialize())
    return items


def apply_chunk(
    user_id: str,
    claim_id: str,
    credit_type: str,
    chunk: Chunk,
    now_iso: str,
    riders: Riders = Riders(),
) -> str:
    """Apply one chunk, and its riders, atomically. Returns "applied", or "already" when its page
    exists applied (a resumed claim; the riders were then not written).

    `now_iso` is the time of this very write: every credit must still be unexpired then, and the
    page records it as the moment its lines were applied (DESIGN invariant 4, checked by the audit).
    Raises ClaimExists (the record to put is there), ClaimMoved (a tombstone page, or the claim to
    commit is no longer pending), CatalogueChanged, or ChunkConflict naming the credits whose
    conditions failed: in that order, when several fail at once.
    """
    name = table_name()
    pk = keys.user_pk(user_id)
    items = [_credit_update(name, pk, claim_id, credit_type, ln, now_iso) for ln in chunk.lines]
    page_at = len(items)
    items.append(
        {
            "Put": {
                "TableName": name,
                "Item": page_item(user_id, claim_id, chunk.index, "applied", chunk, now_iso),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    )
    record_at = commit_at = catalogue_at = None
    if riders.record is not None:
        record_at = len(items)
        bind()
        items.append(
            {
                "Put": {
                    "TableName": name,
                    "Item": item_of(riders.record).serialize(),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
    if riders.commit is not None:
        commit_at = len(items)
        items.append(commit_update(riders.commit))
    committing = riders.committing
    if committing is not None:
        items.extend(
            {"Put": {"TableName": name, "Item": item}}
            for item in certificate_items(committing, riders.certificates)
        )
    if riders.catalogue_version is not None:
        catalogue_at = len(items)
        items.append(version_check(riders.catalogue_version))
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
        return "applied"
    except TransactionCancelled as cancelled:
        reasons = cancelled.reasons

    def failed(at: int | None) -> bool:
        return at is not None and at < len(reasons) and reasons[at] == CONDITION_FAILED

    if failed(record_at):
        raise ClaimExists(claim_id)
    if failed(page_at):
        existing = get_page(user_id, claim_id, chunk.index)
        if existing is not None and existing.state == "applied":
            return "already"
        raise ClaimMoved(claim_id)
    if failed(commit_at):
        raise ClaimMoved(claim_id)
    if failed(catalogue_at):
        raise CatalogueChanged()
    conflicts = [ln.credit_id for ln, r in zip(chunk.lines, reasons, strict=False) if r == CONDITION_FAILED]
    # DynamoDB and moto both name the failing items; without names, re-check every credit.
    raise ChunkConflict(conflicts or [ln.credit_id for ln in chunk.lines])


def get_page(user_id: str, claim_id: str, page: int) -> ClaimPage | None:
    bind()
    try:
        return page_of(
            ClaimLinePage.get(keys.user_pk(user_id), keys.claim_page_sk(claim_id, page), consistent_read=True)
        )
    except ClaimLinePage.DoesNotExist:
        return None


def commit(record: ClaimRecord, certificates: list[CertificateEntry]) -> bool:
    """pending -> committed with its code items (and, for ABP MOC Part 2, the board entry) in one
    transaction; False when the claim was moved on meanwhile. `record` carries the sort keys' data
    (claimed_at, total, earned_from) and `board_report`. Code items beyond one transaction's room
    are written first: they mean nothing until the commit."""
    name = table_name()
    code_items = certificate_items(record, certificates)
    room = 99
    extra, inline = code_items[room:], code_items[:room]
    for item in extra:
        client().put_item(TableName=name, Item=item)
    items = [commit_update(record), *({"Put": {"TableName": name, "Item": item}} for item in inline)]
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled:
        return False
    return True
