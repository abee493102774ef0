"""Credit earned elsewhere: recording it, its certificate upload and the checks on arrival, listing,
reading and deleting it."""

from __future__ import annotations

import secrets
from typing import Any

from cme_ledger import clock
from cme_ledger.domain.errors import NotFound
from cme_ledger.domain.external_credits import (
    SNIFF_BYTES,
    UPLOAD_SECONDS,
    certificate_file,
    external_credit_id_for,
    external_credit_view,
    new_external_credit,
    upload_refusal,
)
from cme_ledger.domain.model import StoredUpload
from cme_ledger.domain.profiles import time_zone_of
from cme_ledger.domain.renewal import today_in
from cme_ledger.observability import logger
from cme_ledger.store import external_credits as store
from cme_ledger.store import profiles, uploads


def record(user_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Record a credit earned elsewhere; the answer carries a presigned PUT for its certificate file."""
    now = clock.now()
    today = today_in(time_zone_of(profiles.get_profile(user_id)), now)
    credit = new_external_credit(
        user_id, external_credit_id_for(now, secrets.token_hex(5)), fields, today, clock.iso(now)
    )
    if not store.create(credit):  # 40 random bits within one second: never in practice
        raise RuntimeError(f"external credit id {credit.external_credit_id} exists already")
    url = uploads.presigned_put(uploads.upload_key(user_id, credit.external_credit_id), UPLOAD_SECONDS)
    return {**external_credit_view(credit), "upload_url": url, "upload_expires_in": UPLOAD_SECONDS}


def list_page(user_id: str, limit: int, before: str | None) -> tuple[list[dict[str, Any]], str | None]:
    credits, last = store.page(user_id, limit, before)
    return [external_credit_view(c) for c in credits], last


def read(user_id: str, external_credit_id: str) -> dict[str, Any]:
    """One of the learner's external credits, with a short-lived URL of its certificate once a file
    arrived and passed the checks (`certificate` null before, and for a file refused)."""
    credit = store.get(user_id, external_credit_id)
    if credit is None:
        raise NotFound("No such external credit.")
    file = credit.certificate
    certificate = None
    if file is not None:
        url = uploads.presigned_get(file.key, file.version_id, file.content_type, UPLOAD_SECONDS)
        certificate = {"url": url, "expires_in": UPLOAD_SECONDS}
    return {**external_credit_view(credit), "certificate": certificate}


def delete(user_id: str, external_credit_id: str) -> None:
    """Remove the credit, then every stored version of its file (an upload arriving afterwards finds
    no credit and is removed on arrival)."""
    if not store.delete(user_id, external_credit_id):
        raise NotFound("No such external credit.")
    uploads.delete_all(uploads.upload_key(user_id, external_credit_id))


def check_upload(key: str) -> str:
    """Judge every stored version of an upload key (an S3 event names the key; events may come late,
    twice or out of order, so each judges the key as it is now). A version too large, of another
    type or not what its Content-Type says is deleted; the newest good one becomes the certificate.
    Returns what happened: recorded, unchanged, refused (nothing good is left), removed (no such
    credit: an upload after a DELETE, or a key nobody was given) or ignored (not an upload key)."""
    owner = uploads.owner_of(key)
    if owner is None:
        return "ignored"
    user_id, external_credit_id = owner
    credit = store.get(user_id, external_credit_id, consistent=True)
    if credit is None:
        uploads.delete_all(key)
        logger.warning("upload without an external credit removed", extra={"key": key})
        return "removed"
    shown = credit.certificate
    good: list[tuple[StoredUpload, str]] = []
    for version in uploads.versions(key):
        if shown is not None and version.version_id == shown.version_id:
            good.append((version, shown.content_type))  # checked already
            continue
        found = uploads.head(key, version.version_id)
        if found is None:
            continue  # removed meanwhile
        content_type, size = found
        reason = upload_refusal(content_type, size, None) or upload_refusal(
            content_type, size, uploads.first_bytes(key, version.version_id, SNIFF_BYTES)
        )
        if reason is None:
            good.append((version, content_type))
            continue
        uploads.delete_version(key, version.version_id)
        logger.warning(
            "upload refused", extra={"key": key, "version_id": version.version_id, "reason": reason}
        )
    if not good:
        return "refused"
    (newest, content_type), older = good[0], [v.version_id for v, _ in good[1:]]
    if shown is not None and newest.version_id == shown.version_id:
        return "unchanged"
    file = certificate_file(key, newest.version_id, content_type, newest.size, clock.iso(clock.now()))
    # The version shown so far may be gone (expired as noncurrent): then it is replaced too.
    gone = [shown.version_id] if shown and shown.version_id not in {v.version_id for v, _ in good} else []
    if store.record_certificate(user_id, external_credit_id, file, [*older, *gone]):
        logger.info("upload checked", extra={"key": key, "version_id": newest.version_id})
        return "recorded"
    if store.get(user_id, external_credit_id, consistent=True) is None:  # deleted meanwhile
        uploads.delete_all(key)
        return "removed"
    return "unchanged"  # a newer version was recorded by a check that ran meanwhile
