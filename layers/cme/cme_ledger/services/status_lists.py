"""Revocation: status list positions, revoking a certificate, and signing the lists (worker only).

Positions are drawn at random (secrets) and reserved with a conditional write, so neither a list
nor a position tells how many certificates were issued or in what order; a taken position is drawn
again, and a list holding FILL_LIMIT positions makes way for a new one (with a random id).

Only the certificate worker may use the signing key (template.yaml's key policy). A revocation is
recorded by the admin function, which then asks the worker (through the render queue) to sign the
list's new version and waits a few seconds for it, so that when the revocation is answered the
status list says so too; GET /verify/{code} says so from the moment it is recorded. A list whose
new version was not signed stays in the `work` index, and claim recovery asks again.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain import credentials as cr
from cme_ledger.domain.badges import issuer_of, revocation_view
from cme_ledger.domain.certificates import code_to_look_up
from cme_ledger.domain.claim_views import API_STATUS
from cme_ledger.domain.errors import NotFound
from cme_ledger.domain.model import CredentialInfo, Revocation
from cme_ledger.domain.status_lists import (
    encode_status_list,
    status_list_payload,
    status_list_url,
    status_position,
)
from cme_ledger.observability import logger
from cme_ledger.store import claims as claim_store
from cme_ledger.store import credentials as store
from cme_ledger.store import queue
from cme_ledger.store import status_lists as lists

MAX_DRAWS = 64  # a list is at most a quarter full: 64 collisions in a row do not happen
LIST_ID_BYTES = 9


def new_list_id() -> str:
    """A list id that says nothing about how many lists came before it."""
    return secrets.token_hex(LIST_ID_BYTES)


def reserve_position(code: str, user_id: str, claim_id: str, course_id: str) -> CredentialInfo:
    """The certificate's credential record with its status list position (reserved now if it has none)."""
    existing = store.get_credential(code)
    if existing is not None:
        return existing
    now = clock.iso(clock.now())
    list_id = lists.current_list() or lists.open_list(None, new_list_id(), now)
    for _ in range(MAX_DRAWS):
        info = CredentialInfo(
            code, user_id, claim_id, course_id, list_id, status_position(secrets.token_bytes(8))
        )
        outcome = lists.reserve(info, now)
        if outcome == lists.RESERVED:
            return info
        if outcome == lists.EXISTS:
            found = store.get_credential(code)
            if found is not None:
                return found
        elif outcome == lists.FULL:
            list_id = lists.open_list(list_id, new_list_id(), now)
    raise RuntimeError(f"no free status list position for {code} after {MAX_DRAWS} draws")


def sign_status_list(list_id: str) -> bool:
    """Sign the list's latest version and store it (the worker). False when there was nothing to do."""
    state = lists.get_list(list_id)
    if state is None or not state.needs_signing:
        return False
    settings = get_settings()
    from cme_ledger.services.credentials import signing_kid
    from cme_ledger.store import signing

    base = settings.public_base_url
    issuer = issuer_of(base, settings.issuer_name)
    now = clock.now()
    payload = status_list_payload(
        status_list_url(base, list_id), issuer.id, encode_status_list(state.revoked), now
    )
    kid = signing_kid(settings.credentials_key_id, issuer)
    jwt = cr.compact_jws(cr.jws_header(kid), payload, signing.signer(settings.credentials_key_id))
    stored = lists.store_signed(list_id, state.version, jwt, clock.iso(now))
    logger.info("status list signed", extra={"list_id": list_id, "version": state.version, "stored": stored})
    return stored


def revoke(code: str, reason: str) -> dict[str, str]:
    """Revoke a certificate (admin): 404 for an unknown code; again, the first answer unchanged."""
    normalized = code_to_look_up(code)
    entry = claim_store.get_certificate(normalized, consistent=True) if normalized else None
    claim = claim_store.get_claim(entry.user_id, entry.claim_id, consistent=False) if entry else None
    if entry is None or claim is None or claim.status not in API_STATUS:
        raise NotFound("No such certificate.")
    if entry.revocation is not None:
        return revocation_view(entry.revocation)
    info = reserve_position(entry.code, entry.user_id, entry.claim_id, entry.course_id)
    revocation = Revocation(entry.code, reason, clock.iso(clock.now()))
    if not lists.revoke(info, revocation):
        again = claim_store.get_certificate(entry.code, consistent=True)
        if again is None or again.revocation is None:
            raise RuntimeError(f"revoking {entry.code} was refused, and it is not revoked")
        return revocation_view(again.revocation)
    logger.info("certificate revoked", extra={"code": entry.code, "list_id": info.list_id})
    state = lists.get_list(info.list_id)
    if state is not None:
        queue.send_status_list(info.list_id)
        wait_until_signed(info.list_id, state.version)
    return revocation_view(revocation)


def wait_until_signed(list_id: str, version: int) -> bool:
    """Wait (at most STATUS_LIST_WAIT_SECONDS) until the worker has stored a JWT of that version."""
    deadline = time.monotonic() + get_settings().status_list_wait_seconds
    pause = 0.05
    while True:
        state = lists.get_list(list_id)
        if state is not None and state.signed_version is not None and state.signed_version >= version:
            return True
        if time.monotonic() + pause > deadline:
            logger.warning("status list not signed in time", extra={"list_id": list_id, "version": version})
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def resend_unsigned(older_than_seconds: int = 60) -> int:
    """Ask the worker again to sign lists revoked in a while ago and still unsigned (claim recovery)."""
    cutoff = clock.iso(clock.now() - timedelta(seconds=older_than_seconds))
    found = lists.lists_to_sign(cutoff)
    for list_id in found:
        queue.send_status_list(list_id)
    return len(found)


def status_list_jwt(list_id: str) -> str:
    """The list's latest signed BitstringStatusListCredential (public); NotFound when it has none."""
    state = lists.get_list(list_id) if 0 < len(list_id) <= 64 else None
    if state is None or state.signed_jwt is None:
        raise NotFound("No such status list.")
    return state.signed_jwt
