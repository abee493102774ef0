"""Certificates: rendering a committed claim once, previews, downloads, re-drives and verification.

A committed claim's items carry everything its PDF shows (names, degree, courses, codes, lines),
so the worker renders from them and nothing else, then issues the claim's credentials
(services.credentials). The PDF is written to S3 once and never
replaced; the claim then moves committed|failed -> ready with the SHA-256 of the stored bytes, in
one conditional update that also takes it out of the render work queue. Every step can be
repeated: a second message for the same claim reads the stored object and only finishes the
bookkeeping (see docs/certificates.md).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.certificates import (
    claim_document,
    code_to_look_up,
    preview_document,
    verification_view,
)
from cme_ledger.domain.claim_decision import Prepared
from cme_ledger.domain.claim_views import API_STATUS
from cme_ledger.domain.errors import CertificateNotReady, NotFound
from cme_ledger.services import credentials
from cme_ledger.store import claims as store
from cme_ledger.store import objects, queue

if TYPE_CHECKING:
    from cme_ledger.certificates.render import CertificateDocument

RENDERABLE = ("committed", "failed")


def _render(document: CertificateDocument) -> bytes:
    from cme_ledger.certificates.render import render_pdf

    return render_pdf(document)


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
        if claim.render_queued:
            store.set_status(user_id, claim_id, "ready", ("ready",))
        stored = store.load(claim)
        if not credentials.credentials_issued(stored):
            credentials.issue_claim_credentials(stored)  # a claim made ready before credentials existed
        return "already"
    if claim.status not in RENDERABLE:
        return "skipped"
    key = objects.certificate_key(user_id, claim_id)
    pdf = objects.get(key)
    outcome = "stored"
    if pdf is None:
        rendered = _render(claim_document(store.load(claim), get_settings().public_base_url))
        if objects.put_once(key, rendered):
            pdf, outcome = rendered, "rendered"
        else:
            # Another worker wrote it between our read and our write: theirs is the certificate.
            pdf = objects.get(key)
            if pdf is None:
                raise RuntimeError(f"{key} was written by another worker but cannot be read")
    # Credentials before `ready`: a ready claim always has them (GET /claims/{id}/credentials).
    credentials.issue_claim_credentials(store.load(claim))
    digest = hashlib.sha256(pdf).hexdigest()
    if not store.set_status(user_id, claim_id, "ready", RENDERABLE, sha256=digest, pdf_key=key):
        # Only another worker finishing the same claim moves it on meanwhile; nothing left to do.
        return "already"
    return outcome


def mark_failed(user_id: str, claim_id: str) -> bool:
    """A claim whose render kept failing: committed -> failed, out of the render work queue.

    False when the claim was not committed (rendered meanwhile, or unknown): nothing changes.
    """
    return store.set_status(user_id, claim_id, "failed", ("committed",))


def rerender(user_id: str, claim_id: str) -> bool:
    """Re-drive a failed claim: failed -> committed, back in the render work queue, and queued.

    A committed claim is queued again as is (the worker is idempotent). False for any other
    status (ready, cancelled, ...); NotFound for an unknown claim.
    """
    claim = store.get_claim(user_id, claim_id)
    if claim is None or claim.status not in API_STATUS:
        raise NotFound("No such claim.")
    if claim.status == "failed":
        # Back in the render work queue, so recovery re-queues it if this message is lost too.
        since = clock.iso(clock.now())
        if not store.set_status(user_id, claim_id, "committed", ("failed",), render_queued_since=since):
            return False
    elif claim.status != "committed":
        return False
    queue.send_render(user_id, claim_id)
    return True


def preview_pdf(user_id: str, prepared: Prepared) -> str:
    """Render the preview of a prepared claim, store it under previews/, return a presigned GET URL."""
    key = objects.preview_key(user_id, uuid.uuid4().hex)
    objects.put(key, _render(preview_document(prepared, clock.now())))
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
    """Public verification: what API.md lists for a code of ours (valid false once revoked); NotFound otherwise."""
    normalized = code_to_look_up(code)
    # Consistent: a revocation shows at once.
    entry = store.get_certificate(normalized, consistent=True) if normalized else None
    claim = store.get_claim(entry.user_id, entry.claim_id, consistent=False) if entry else None
    # Codes of a claim are written before its commit; they mean nothing until it is committed.
    if entry is None or claim is None or claim.status not in API_STATUS:
        raise NotFound("No such certificate.")
    return verification_view(entry, claim)
