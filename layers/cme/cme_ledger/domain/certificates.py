"""What a certificate shows: the PDF's contents from a claim's items, and what verification says.
Pure: the documents are plain data (certificates.render lays them out with reportlab)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cme_ledger.certificates.document import CertificateDocument, CourseCertificate, TopicLine
from cme_ledger.domain.amounts import ZERO, to_json_number
from cme_ledger.domain.claim_decision import Prepared, normalize_code
from cme_ledger.domain.claim_views import Line
from cme_ledger.domain.credit_types import CREDIT_TYPES, CreditType
from cme_ledger.domain.model import CertificateEntry, ClaimRecord, StoredClaim
from cme_ledger.domain.profiles import time_zone_of
from cme_ledger.domain.times import parse_iso

MAX_CODE_CHARS = 64  # longer than any code we issue; anything longer is unknown without a read


def credit_type_of(code: str) -> CreditType:
    known = CREDIT_TYPES.get(code)
    return known if known is not None else CreditType(code, code, "credits", "")


def verify_url(base_url: str, code: str) -> str:
    """The URL in a certificate's QR code: the public verify route of this deployment."""
    return f"{base_url}/verify/{code}"


def _course(
    title: str, provider: str, lines: Iterable[Line], code: str | None, url: str | None
) -> CourseCertificate:
    ordered = sorted(lines, key=lambda ln: (ln.earned_at, ln.credit_id))
    return CourseCertificate(
        course_title=title,
        provider=provider,
        total=sum((ln.amount for ln in ordered), ZERO),
        topics=tuple(TopicLine(ln.topic, parse_iso(ln.earned_at), ln.amount) for ln in ordered),
        certificate_code=code,
        verify_url=url,
    )


def _by_course(lines: Iterable[Line]) -> dict[str, list[Line]]:
    grouped: dict[str, list[Line]] = {}
    for ln in lines:
        grouped.setdefault(ln.course_id, []).append(ln)
    return grouped


def claim_document(stored: StoredClaim, base_url: str) -> CertificateDocument:
    """The PDF's content, from the claim's items alone (names, titles and zone as when claimed)."""
    claim = stored.record
    grouped = _by_course(stored.lines)
    infos = sorted(stored.courses.values(), key=lambda c: (c.title, c.course_id))
    ctype = credit_type_of(claim.credit_type)
    return CertificateDocument(
        learner_name=claim.display_name,
        degree=claim.degree,
        credit_type_label=ctype.label,
        credit_statement=ctype.statement,
        unit=ctype.unit,
        claimed_at=parse_iso(claim.claimed_at or claim.created_at),
        time_zone=claim.time_zone,
        certificates=tuple(
            _course(i.title, i.provider, grouped.get(i.course_id, []), i.code, verify_url(base_url, i.code))
            for i in infos
        ),
    )


def preview_document(prepared: Prepared, at: datetime) -> CertificateDocument:
    """The same layout as the claim would get, marked PREVIEW, without codes."""
    grouped = _by_course(prepared.lines)
    courses = prepared.courses
    order = sorted(grouped, key=lambda cid: (courses[cid].title if cid in courses else cid, cid))
    ctype = credit_type_of(prepared.credit_type)
    return CertificateDocument(
        learner_name=prepared.display_name,
        degree=prepared.profile.degree or "",
        credit_type_label=ctype.label,
        credit_statement=ctype.statement,
        unit=ctype.unit,
        claimed_at=at,
        certificates=tuple(
            _course(
                courses[cid].title if cid in courses else cid,
                courses[cid].provider if cid in courses else "",
                grouped[cid],
                None,
                None,
            )
            for cid in order
        ),
        preview=True,
        time_zone=time_zone_of(prepared.profile),
    )


def render_target(body: str) -> tuple[str, str] | None:
    """(user_id, claim_id) of a render message body, or None when it is not one (never retried)."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    user_id, claim_id = message.get("user_id"), message.get("claim_id")
    if not isinstance(user_id, str) or not isinstance(claim_id, str) or not user_id or not claim_id:
        return None
    return user_id, claim_id


def status_list_target(body: str) -> str | None:
    """The list id of a "sign this status list" message of the render queue, or None."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    list_id = message.get("status_list") if isinstance(message, dict) else None
    return list_id if isinstance(list_id, str) and 0 < len(list_id) <= 64 else None


@dataclass(frozen=True)
class TranscriptJob:
    """A transcript too long to render within a request, for the certificate worker."""

    user_id: str
    date_from: str
    date_to: str
    key: str  # where its PDF goes (its presigned URL was already given)


def transcript_target(body: str) -> TranscriptJob | None:
    """The transcript job of a render-queue message ({"transcript": {...}}), or None."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    job = message.get("transcript") if isinstance(message, dict) else None
    if not isinstance(job, dict):
        return None
    fields = [job.get(name) for name in ("user_id", "from", "to", "key")]
    if not all(isinstance(f, str) and f for f in fields):
        return None
    return TranscriptJob(*fields)  # type: ignore[arg-type]


def code_to_look_up(code: str) -> str | None:
    """The code as issued (case and separators ignored), or None when it cannot be one of ours."""
    normalized = normalize_code(code[: MAX_CODE_CHARS * 2])
    return normalized if normalized and len(normalized) <= MAX_CODE_CHARS else None


def verification_view(entry: CertificateEntry, claim: ClaimRecord) -> dict[str, Any]:
    """Public verification: what API.md lists for a code of ours, nothing else.

    `valid` is false once the certificate is revoked (`status` and `revoked_reason` say so). The
    activity dates are the certificate's own; code items written before they were kept there
    fall back to the claim's (the same for a claim of one course).
    """
    revocation = entry.revocation
    return {
        "valid": revocation is None,
        "status": "active" if revocation is None else "revoked",
        "revoked_reason": None if revocation is None else revocation.reason,
        "learner_name": claim.display_name,
        "course_title": entry.course_title,
        "credit_type": claim.credit_type,
        "credit_type_label": credit_type_of(claim.credit_type).label,
        "credits": to_json_number(entry.total),
        "claimed_at": claim.claimed_at,
        "earned_from": entry.earned_from or claim.earned_from,
        "earned_to": entry.earned_to or claim.earned_to,
        "provider": entry.provider,
    }
