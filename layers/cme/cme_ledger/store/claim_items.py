"""A claim's items and the domain's data: the claim record, its pages, its certificate codes and its
board entry, mapped both ways (store.claims writes and reads them)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from cme_ledger.domain.claim_plan import Chunk, PlannedLine
from cme_ledger.domain.model import (
    BoardEntry,
    CertificateEntry,
    ClaimLine,
    ClaimPage,
    ClaimRecord,
    CourseSnapshot,
    Revocation,
)
from cme_ledger.store import keys
from cme_ledger.store.models import BoardReportEntry, CertificateCode, Claim, ClaimLinePage


def encode_plan(plan: Iterable[Iterable[tuple[str, Decimal]]]) -> bytes:
    rows = [[[credit_id, str(amount)] for credit_id, amount in chunk] for chunk in plan]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)


def decode_plan(blob: bytes) -> tuple[tuple[tuple[str, Decimal], ...], ...]:
    chunks = json.loads(zlib.decompress(blob))
    return tuple(tuple((row[0], Decimal(row[1])) for row in chunk) for chunk in chunks)


def _plain(value: Any) -> Any:
    """A pynamodb map read back as plain dicts and lists (failures, details)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def record_of(item: Claim) -> ClaimRecord:
    return ClaimRecord(
        user_id=item.user_id,
        claim_id=item.claim_id,
        credit_type=item.credit_type,
        status=item.status,
        request_hash=item.request_hash or "",
        created_at=item.created_at,
        total=item.total,
        line_count=int(item.line_count),
        chunk_count=int(item.chunk_count),
        plan=decode_plan(item.plan),
        earned_from=item.earned_from,
        earned_to=item.earned_to,
        display_name=item.display_name or "",
        degree=item.degree or "",
        time_zone=item.time_zone or "UTC",
        first_name=item.first_name or "",
        last_name=item.last_name or "",
        abp_id=item.abp_id,
        birth_month_day=item.birth_month_day,
        course_count=int(item.course_count or 0),
        course_titles=tuple(item.course_titles) if item.course_titles is not None else None,
        claimed_at=item.claimed_at,
        failure=_plain(item.failure) if item.failure is not None else None,
        sha256=item.sha256,
        pdf_key=item.pdf_key,
        evaluation_submitted_at=item.evaluation_submitted_at,
        board_report=item.board_report,
        render_queued=item.work_pk == keys.WORK_RENDER,
        revocations={r.code: Revocation(r.code, r.reason, r.revoked_at) for r in (item.revocations or [])},
    )


def item_of(record: ClaimRecord) -> Claim:
    """The claim record's item: pending (in the work index of unfinished claims), committed (a claim
    written whole in one transaction: sorted in the listings, in the render queue) or refused."""
    pending = record.status == "pending"
    committed = record.status == "committed"
    claimed_at = record.claimed_at or ""
    work_pk = work_sk = None
    if pending:
        work_pk = keys.WORK_PENDING_CLAIMS
        work_sk = keys.pending_claim_work_sk(record.created_at, record.user_id, record.claim_id)
    elif committed:
        work_pk, work_sk = keys.WORK_RENDER, keys.render_work_sk(claimed_at, record.claim_id)
    return Claim(
        keys.user_pk(record.user_id),
        keys.claim_sk(record.claim_id),
        user_id=record.user_id,
        claim_id=record.claim_id,
        credit_type=record.credit_type,
        status=record.status,
        request_hash=record.request_hash,
        display_name=record.display_name,
        degree=record.degree,
        time_zone=record.time_zone,
        first_name=record.first_name,
        last_name=record.last_name,
        abp_id=record.abp_id,
        birth_month_day=record.birth_month_day,
        total=record.total,
        line_count=record.line_count,
        chunk_count=record.chunk_count,
        course_count=record.course_count,
        plan=encode_plan(record.plan),
        created_at=record.created_at,
        earned_from=record.earned_from,
        earned_to=record.earned_to,
        course_titles=list(record.course_titles) if record.course_titles is not None else None,
        failure=dict(record.failure) if record.failure is not None else None,
        work_pk=work_pk,
        work_sk=work_sk,
        claimed_at=record.claimed_at if committed else None,
        board_report=record.board_report if committed else None,
        by_claimed=keys.claims_by_claimed(claimed_at, record.claim_id) if committed else None,
        by_year=keys.claims_by_year(record.earned_from, claimed_at, record.claim_id) if committed else None,
        by_credits=keys.claims_by_credits(int(record.total * 100), claimed_at, record.claim_id)
        if committed
        else None,
    )


def page_of(item: ClaimLinePage) -> ClaimPage:
    return ClaimPage(
        user_id=keys.user_of(item.pk),
        claim_id=item.claim_id,
        index=int(item.page),
        state=item.state,
        applied_at=item.applied_at,
        lines=tuple(
            ClaimLine(
                line.credit_id,
                line.course_id,
                line.topic,
                line.earned_at,
                line.amount,
                tuple(line.tags or ()),
                bool(line.live),
            )
            for line in item.lines
        ),
        courses=tuple(CourseSnapshot(c.course_id, c.title, c.provider, c.code) for c in item.courses),
    )


def page_item(
    user_id: str, claim_id: str, page: int, state: str, chunk: Chunk | None, applied_at: str | None = None
) -> dict[str, Any]:
    item = ClaimLinePage(
        keys.user_pk(user_id),
        keys.claim_page_sk(claim_id, page),
        claim_id=claim_id,
        page=page,
        state=state,
        applied_at=applied_at,
        lines=[_line_map(ln) for ln in (chunk.lines if chunk else ())],
        courses=[
            {"course_id": c.course_id, "title": c.title, "provider": c.provider, "code": c.code}
            for c in (chunk.courses if chunk else ())
        ],
    )
    return item.serialize()


def _line_map(line: PlannedLine) -> dict[str, Any]:
    """A page's line; its tags and live only when there are some (most courses carry none)."""
    mapped: dict[str, Any] = {
        "credit_id": line.credit_id,
        "course_id": line.course_id,
        "topic": line.topic,
        "earned_at": line.earned_at,
        "amount": line.amount,
    }
    if line.topics:
        mapped["tags"] = list(line.topics)
    if line.live:
        mapped["live"] = True
    return mapped


def certificate_of(item: CertificateCode) -> CertificateEntry:
    return CertificateEntry(
        code=item.code,
        user_id=item.user_id,
        claim_id=item.claim_id,
        course_id=item.course_id,
        course_title=item.course_title,
        provider=item.provider,
        total=item.total,
        earned_from=item.earned_from,
        earned_to=item.earned_to,
        revocation=(
            Revocation(item.code, item.revoked_reason or "", item.revoked_at) if item.revoked_at else None
        ),
    )


def board_entry_of(item: BoardReportEntry) -> BoardEntry:
    return BoardEntry(
        user_id=item.user_id,
        claim_id=item.claim_id,
        queued_at=item.queued_at,
        queued=item.work_pk is not None,
        reported_at=item.reported_at,
        report_key=item.report_key,
    )
