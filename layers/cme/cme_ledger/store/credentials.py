"""Credential records, the keys that signed, and the issuer they name (keys in store/keys.py).

- `CODE#{code} / CREDENTIAL`: a certificate's credential, written with its status list position
  (store.status_lists.reserve) and completed once when its JWS is stored (object key, SHA-256,
  kid); never changed after that.
- `SIGNING_KEYS / KEY#{kid}`: a key's public JWK, recorded before it signs anything, so
  GET /.well-known/jwks.json lists every key that ever signed (rotation never orphans a credential).
- `ISSUER / PROFILE`: the issuer the worker signs as (its id names the URL of GET /issuer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cme_ledger.domain.model import CredentialInfo
from cme_ledger.store import keys
from cme_ledger.store.db import bind
from cme_ledger.store.failures import succeeded
from cme_ledger.store.models import CredentialRecord, IssuerRecord, SigningKey


def credential_of(item: CredentialRecord) -> CredentialInfo:
    return CredentialInfo(
        code=item.code,
        user_id=item.user_id,
        claim_id=item.claim_id,
        course_id=item.course_id,
        list_id=item.list_id,
        position=int(item.position),
        object_key=item.object_key,
        sha256=item.sha256,
        kid=item.kid,
        issued_at=item.issued_at,
    )


def get_credential(code: str) -> CredentialInfo | None:
    bind()
    try:
        return credential_of(
            CredentialRecord.get(keys.code_pk(code), keys.CREDENTIAL_SK, consistent_read=True)
        )
    except CredentialRecord.DoesNotExist:
        return None


def get_credentials(codes: Iterable[str]) -> dict[str, CredentialInfo]:
    """The credential records of these certificate codes (consistent reads); absent ones left out."""
    bind()
    wanted = [(keys.code_pk(code), keys.CREDENTIAL_SK) for code in dict.fromkeys(codes)]
    return {
        item.code: credential_of(item)
        for item in CredentialRecord.batch_get(wanted, consistent_read=True)
        if isinstance(item, CredentialRecord)
    }


def record_issued(code: str, object_key: str, sha256: str, kid: str, issued_at: str) -> bool:
    """Complete a credential record once; False when it names another JWS already (never replaced)."""
    bind()
    item = CredentialRecord(keys.code_pk(code), keys.CREDENTIAL_SK)
    return succeeded(
        item.update,
        actions=[
            CredentialRecord.object_key.set(object_key),
            CredentialRecord.sha256.set(sha256),
            CredentialRecord.kid.set(kid),
            CredentialRecord.issued_at.set(issued_at),
        ],
        condition=CredentialRecord.pk.exists()
        & (CredentialRecord.sha256.does_not_exist() | (CredentialRecord.sha256 == sha256)),
    )


def record_signing_key(kid: str, key_id: str, jwk: dict[str, str], now: str) -> None:
    """Record a key's public JWK the first time it is about to sign (later calls change nothing)."""
    bind()
    item = SigningKey(
        keys.SIGNING_KEYS_PK, keys.signing_key_sk(kid), kid=kid, key_id=key_id, jwk=jwk, first_used_at=now
    )
    succeeded(item.save, condition=SigningKey.pk.does_not_exist())


def signing_keys() -> list[dict[str, Any]]:
    """The public JWK of every key that has signed, the most recently first used first."""
    bind()
    found = list(SigningKey.query(keys.SIGNING_KEYS_PK, consistent_read=True))
    found.sort(key=lambda k: (k.first_used_at, k.kid), reverse=True)
    return [{str(name): str(value) for name, value in k.jwk.as_dict().items()} for k in found]


def get_issuer() -> dict[str, str] | None:
    """The issuer the worker signs as: {"id", "name", "url"} (None before the first credential)."""
    bind()
    try:
        item = IssuerRecord.get(keys.ISSUER_PK, keys.ISSUER_SK)
    except IssuerRecord.DoesNotExist:
        return None
    return {"id": item.issuer_id, "name": item.name, "url": item.url}


def record_issuer(issuer_id: str, name: str, url: str, now: str) -> None:
    """Keep the issuer credentials are signed as (written when it differs from what is stored)."""
    if get_issuer() == {"id": issuer_id, "name": name, "url": url}:
        return
    bind()
    IssuerRecord(
        keys.ISSUER_PK, keys.ISSUER_SK, issuer_id=issuer_id, name=name, url=url, updated_at=now
    ).save()
