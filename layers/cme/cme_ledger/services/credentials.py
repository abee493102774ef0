"""Portable credentials: issuing a claim's Open Badges 3.0 credentials once, and reading them back.

The certificate worker issues them right after the claim's PDF is stored and before the claim is
marked ready (services.certificates.render_claim), one per certificate (course). Each step can be
repeated after a crash or a second delivery without ever signing a certificate twice:

1. the credential record with its status list position (reserved once; kept if it exists);
2. the JWS in S3 (written once, If-None-Match): if it is there already, its bytes are the
   credential and nothing is signed; a worker that loses the race reads the winner's;
3. the record completed with the object key, the SHA-256 of the stored bytes and the kid.

The signing key's public JWK and the issuer are recorded before the key signs anything, so the
JWKS always has the key of every credential that can be read.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cme_ledger import clock
from cme_ledger.config import ConfigurationError, get_settings
from cme_ledger.domain import credentials as cr
from cme_ledger.domain.badges import course_credential, courses_in_order, credentials_view, issuer_of, jws_kid
from cme_ledger.domain.certificates import code_to_look_up
from cme_ledger.domain.claim_views import API_STATUS
from cme_ledger.domain.errors import CertificateNotReady, NotFound
from cme_ledger.domain.model import CredentialInfo, StoredClaim
from cme_ledger.observability import logger
from cme_ledger.store import claims as claim_store
from cme_ledger.store import credentials as store
from cme_ledger.store import objects
from cme_ledger.store import status_lists as lists

READERS = 8  # S3 reads in parallel when a claim has many certificates


def signing_kid(key_id: str, issuer: cr.Issuer) -> str:
    """The kid of KMS key `key_id`, its public JWK (and the issuer) recorded before it first signs."""
    from cme_ledger.store import signing

    if not key_id:
        raise ConfigurationError("CREDENTIALS_KEY_ID is required to sign credentials")
    jwk = signing.public_jwk(key_id)
    now = clock.iso(clock.now())
    store.record_signing_key(jwk["kid"], key_id, jwk, now)
    store.record_issuer(issuer.id, issuer.name, issuer.url, now)
    return jwk["kid"]


def issue_claim_credentials(stored: StoredClaim) -> int:
    """Issue every certificate's credential of a committed claim; how many this call signed."""
    from cme_ledger.services.status_lists import reserve_position, sign_status_list
    from cme_ledger.store import signing

    settings = get_settings()
    if not settings.public_base_url:
        raise ConfigurationError("PUBLIC_BASE_URL is required to issue credentials")
    claim = stored.record
    issuer = issuer_of(settings.public_base_url, settings.issuer_name)
    courses = courses_in_order(stored)
    existing = store.get_credentials(c.code for c in courses)
    signed = 0
    kid: str | None = None
    used_lists: set[str] = set()
    for course in courses:
        info = existing.get(course.code) or reserve_position(
            course.code, claim.user_id, claim.claim_id, course.course_id
        )
        used_lists.add(info.list_id)
        if info.issued:
            continue
        key = objects.credential_key(claim.user_id, claim.claim_id, course.code)
        body = objects.get(key)
        if body is None:
            kid = kid or signing_kid(settings.credentials_key_id, issuer)
            credential = course_credential(
                stored, course, issuer, settings.public_base_url, info.list_id, info.position
            )
            token = cr.sign_credential(credential, kid, signing.signer(settings.credentials_key_id))
            if objects.put_once(key, token.encode("ascii"), content_type=cr.MEDIA_TYPE):
                body, signed = token.encode("ascii"), signed + 1
            else:
                body = objects.get(key)  # another worker's, written between our read and our write
                if body is None:
                    raise RuntimeError(f"{key} was written by another worker but cannot be read")
        text = body.decode("ascii")
        store.record_issued(
            course.code, key, hashlib.sha256(body).hexdigest(), jws_kid(text) or "", clock.iso(clock.now())
        )
    # A list is published (signed, empty) as soon as a credential names it.
    for list_id in sorted(used_lists):
        state = lists.get_list(list_id)
        if state is not None and state.signed_version is None:
            sign_status_list(list_id)
    if signed:
        logger.info("credentials issued", extra={"claim_id": claim.claim_id, "signed": signed})
    return signed


def credentials_issued(stored: StoredClaim) -> bool:
    """Whether every certificate of the claim has its credential stored."""
    codes = [c.code for c in stored.courses.values()]
    found = store.get_credentials(codes)
    return all(code in found and found[code].issued for code in codes)


def _read(info: CredentialInfo) -> str:
    body = objects.get(info.object_key or "")
    if body is None or hashlib.sha256(body).hexdigest() != info.sha256:
        # Invariant 6: a credential never changes. A missing or altered object is not served.
        raise RuntimeError(f"the stored credential of {info.code} is missing or not the one issued")
    return body.decode("ascii")


def claim_credentials(user_id: str, claim_id: str) -> dict[str, Any]:
    """GET /claims/{id}/credentials: the learner's ready claim's credentials, read back as stored."""
    record = claim_store.get_claim(user_id, claim_id)
    if record is None or record.status not in API_STATUS:
        raise NotFound("No such claim.")
    if record.status != "ready":
        raise CertificateNotReady()
    stored = claim_store.load(record)
    courses = courses_in_order(stored)
    infos = store.get_credentials(c.code for c in courses)
    missing = [c.code for c in courses if c.code not in infos or not infos[c.code].issued]
    if missing:
        # A claim made ready before credentials existed: the worker issues them on its next pass.
        logger.warning(
            "ready claim without credentials", extra={"claim_id": claim_id, "missing": len(missing)}
        )
        raise CertificateNotReady()
    with ThreadPoolExecutor(max_workers=min(READERS, len(courses))) as pool:
        tokens = dict(
            zip((c.code for c in courses), pool.map(lambda c: _read(infos[c.code]), courses), strict=True)
        )
    return credentials_view(courses, tokens)


def public_credential(code: str) -> tuple[str, str]:
    """(certificate code, JWS) for GET /verify/{code}/credential: anyone holding the code may have
    the credential, which says what the certificate says. 404 unknown, 409 not issued yet."""
    normalized = code_to_look_up(code)
    entry = claim_store.get_certificate(normalized) if normalized else None
    claim = claim_store.get_claim(entry.user_id, entry.claim_id, consistent=False) if entry else None
    if entry is None or claim is None or claim.status not in API_STATUS:
        raise NotFound("No such certificate.")
    info = store.get_credential(entry.code)
    if info is None or not info.issued:
        raise CertificateNotReady()
    return entry.code, _read(info)


def issuer_document(request_base: str) -> dict[str, Any]:
    """GET /issuer: the issuer credentials name (as the worker recorded it when it signed)."""
    stored = store.get_issuer()
    if stored is not None:
        return cr.issuer_profile(cr.Issuer(stored["id"], stored["name"], stored["url"]))
    settings = get_settings()
    return cr.issuer_profile(issuer_of(settings.public_base_url or request_base, settings.issuer_name))


def jwks() -> dict[str, Any]:
    """GET /.well-known/jwks.json: every key that has signed, as public JWKs."""
    return cr.public_jwks(store.signing_keys())
