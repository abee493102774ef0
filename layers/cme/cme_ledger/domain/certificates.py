"""Certificates: rendering a committed claim once, previews, downloads, re-drives and verification.

A committed claim carries everything its PDF shows (names, degree, courses, codes, the plan of
lines), so the worker renders from that one DynamoDB item and nothing else. The PDF is written
to S3 once and never replaced; the claim then moves committed|failed -> ready with the SHA-256
of the stored bytes, in one conditional update that also takes it out of the render work queue.
Every step can be repeated: a second message for the same claim reads the stored object and
only finishes the bookkeeping (see docs/certificates.md).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.amounts import ZERO, to_json_number
from cme_ledger.domain.claims import API_STATUS, Prepared, StoredClaim, load_claim, normalize_code
from cme_ledger.domain.credit_types import CREDIT_TYPES, CreditType
from cme_ledger.domain.errors import CertificateNotReady, NotFound
from cme_ledger.store import claims as store
from cme_ledger.store import keys, objects, queue

if TYPE_CHECKING:
    from cme_ledger.certificates.render import CertificateDocument, CourseCertificate

RENDERABLE = ("committed", "failed")
MAX_CODE_CHARS = 64  # longer than any code we issue; anything longer is unknown without a read


# ----------------------------------------------------------------------------- building documents


def _credit_type(code: str) -> CreditType:
    known = CREDIT_TYPES.get(code)
    return known if known is not None else CreditType(code, code, "credits", "")


def _course(
    title: str, provider: str, lines: list[Any], code: str | None, verify_url: str | None
) -> CourseCertificate:
    from cme_ledger.certificates.render import CourseCertificate, TopicLine

    ordered = sorted(lines, key=lambda ln: (ln.earned_at, ln.credit_id))
    return CourseCertificate(
        course_title=title,
        provider=provider,
        total=sum((ln.amount for ln in ordered), ZERO),
        topics=tuple(TopicLine(ln.topic, clock.parse_iso(ln.earned_at), ln.amount) for ln in ordered),
        certificate_code=code,
        verify_url=verify_url,
    )


def _by_course(lines: list[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for ln in lines:
        grouped.setdefault(ln.course_id, []).append(ln)
    return grouped


def verify_url(code: str) -> str:
    """The URL in a certificate's QR code: the public verify route of this deployment."""
    return f"{get_settings().public_base_url}/verify/{code}"


def claim_document(stored: StoredClaim) -> CertificateDocument:
    """The PDF's content, from the claim's items alone (names and titles as copied when claimed)."""
    from cme_ledger.certificates.render import CertificateDocument

    claim = stored.claim
    grouped = _by_course(stored.lines)
    infos = sorted(stored.courses.values(), key=lambda c: (c.title, c.course_id))
    ctype = _credit_type(claim.credit_type)
    return CertificateDocument(
        learner_name=claim.display_name or "",
        degree=claim.degree or "",
        credit_type_label=ctype.label,
        credit_statement=ctype.statement,
        unit=ctype.unit,
        claimed_at=clock.parse_iso(claim.claimed_at or claim.created_at),
        certificates=tuple(
            _course(
                info.title, info.provider, grouped.get(info.course_id, []), info.code, verify_url(info.code)
            )
            for info in infos
        ),
    )


def preview_document(prepared: Prepared) -> CertificateDocument:
    """The same layout as the claim would get, marked PREVIEW, without codes."""
    from cme_ledger.certificates.render import CertificateDocument

    grouped = _by_course(prepared.lines)
    courses = prepared.courses
    order = sorted(grouped, key=lambda cid: (courses[cid].title if cid in courses else cid, cid))
    ctype = _credit_type(prepared.credit_type)
    return CertificateDocument(
        learner_name=prepared.display_name,
        degree=prepared.profile.degree or "",
        credit_type_label=ctype.label,
        credit_statement=ctype.statement,
        unit=ctype.unit,
        claimed_at=clock.now(),
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
    )


def _render(document: CertificateDocument) -> bytes:
    from cme_ledger.certificates.render import render_pdf

    return render_pdf(document)


# ----------------------------------------------------------------------------- the worker


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


def render_claim(user_id: str, claim_id: str) -> str:
    """Render a committed claim's PDF once and mark the claim ready. Safe to repeat.

    Returns what happened: "rendered" (this call wrote the PDF), "stored" (a PDF was in S3
    already, e.g. from a try that died before the claim was updated: its bytes are kept and
    only the bookkeeping is finished), "already" (the claim was ready) or "skipped" (unknown
    claim or one that is not committed, such as a cancelled one). Raises on S3/DynamoDB errors,
    so the message is retried.
    """
    claim = store.get_claim(user_id, claim_id)
    if claim is None:
        return "skipped"
    if claim.status == "ready":
        if claim.work_pk is not None:
            store.set_status(user_id, claim_id, "ready", ("ready",), work_pk=None, work_sk=None)
        return "already"
    if claim.status not in RENDERABLE:
        return "skipped"
    key = objects.certificate_key(user_id, claim_id)
    stored = objects.get(key)
    outcome = "stored"
    if stored is None:
        pdf = _render(claim_document(load_claim(claim)))
        if objects.put_once(key, pdf):
            stored, outcome = pdf, "rendered"
        else:
            # Another worker wrote it between our read and our write: theirs is the certificate.
            stored = objects.get(key)
            if stored is None:
                raise RuntimeError(f"{key} was written by another worker but cannot be read")
    digest = hashlib.sha256(stored).hexdigest()
    moved = store.set_status(
        user_id, claim_id, "ready", RENDERABLE, sha256=digest, pdf_key=key, work_pk=None, work_sk=None
    )
    if not moved:
        # Only another worker finishing the same claim moves it on meanwhile; nothing left to do.
        return "already"
    return outcome


def mark_failed(user_id: str, claim_id: str) -> bool:
    """A claim whose render kept failing: committed -> failed, out of the render work queue.

    False when the claim was not committed (rendered meanwhile, or unknown): nothing changes.
    """
    return store.set_status(user_id, claim_id, "failed", ("committed",), work_pk=None, work_sk=None)


def rerender(user_id: str, claim_id: str) -> bool:
    """Re-drive a failed claim: failed -> committed, back in the render work queue, and queued.

    A committed claim is queued again as is (the worker is idempotent). False for any other
    status (ready, cancelled, ...); NotFound for an unknown claim.
    """
    claim = store.get_claim(user_id, claim_id)
    if claim is None or claim.status not in API_STATUS:
        raise NotFound("No such claim.")
    if claim.status == "failed":
        # Back under WORK#RENDER, so recovery re-queues it if this message is lost too.
        work_sk = f"{clock.iso(clock.now())}#{claim_id}"
        if not store.set_status(
            user_id, claim_id, "committed", ("failed",), work_pk=keys.WORK_RENDER, work_sk=work_sk
        ):
            return False
    elif claim.status != "committed":
        return False
    queue.send_render(user_id, claim_id)
    return True


# ----------------------------------------------------------------------------- learner routes


def preview_pdf(user_id: str, prepared: Prepared) -> str:
    """Render the preview of a prepared claim, store it under previews/, return a presigned GET URL."""
    key = objects.preview_key(user_id, uuid.uuid4().hex)
    objects.put(key, _render(preview_document(prepared)))
    return objects.presigned_get(key)


def certificate_url(user_id: str, claim_id: str) -> tuple[str, int]:
    """(presigned URL, seconds it lives) of the caller's certificate; 409 before it is ready."""
    claim = store.get_claim(user_id, claim_id)
    if claim is None or claim.status not in API_STATUS:
        raise NotFound("No such claim.")
    if claim.status != "ready" or not claim.pdf_key:
        raise CertificateNotReady()
    return objects.presigned_get(claim.pdf_key), objects.DOWNLOAD_SECONDS


def verify(code: str) -> dict[str, Any]:
    """Public verification: what API.md lists for a genuine code, nothing else; NotFound otherwise."""
    normalized = normalize_code(code[: MAX_CODE_CHARS * 2])
    if not normalized or len(normalized) > MAX_CODE_CHARS:
        raise NotFound("No such certificate.")
    entry = store.get_code(normalized)
    if entry is None:
        raise NotFound("No such certificate.")
    claim = store.get_claim(entry.user_id, entry.claim_id, consistent=False)
    # Codes of a claim are written before its commit; they mean nothing until it is committed.
    if claim is None or claim.status not in API_STATUS:
        raise NotFound("No such certificate.")
    return {
        "valid": True,
        "learner_name": claim.display_name or "",
        "course_title": entry.course_title,
        "credit_type": claim.credit_type,
        "credit_type_label": _credit_type(claim.credit_type).label,
        "credits": to_json_number(Decimal(entry.total)),
        "claimed_at": claim.claimed_at,
        "provider": entry.provider,
    }
