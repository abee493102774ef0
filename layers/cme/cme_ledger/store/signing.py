"""The issuer's signing key in KMS (ECC_NIST_P256, SIGN_VERIFY): ES256 signatures and public JWKs.

The private key never leaves KMS. Signing sends KMS the SHA-256 of the JWS signing input with
MessageType DIGEST, not the input itself with RAW: KMS refuses RAW messages over 4,096 bytes, and a
certificate of two topics already makes a credential of about 3.8 KB; a digest is always 32 bytes
(and the learner's name and topics never reach KMS). KMS answers with a DER-encoded ECDSA signature; JWS
wants the raw r || s of RFC 7518 section 3.4, so it is converted here.

A key is published by its RFC 7638 thumbprint, written as an RFC 9278 thumbprint URI, as `kid`:
derived from the public key alone, so it is stable across deployments and URL changes, and a URI
as OB3 asks of `kid`. Public keys never change for a KMS key id, so each is fetched once per process.

The client is made on first use and cached; an AWS_ENDPOINT_URL in the environment (the local
stack) is picked up by boto3 itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cme_ledger.config import get_settings

SIGNING_ALGORITHM = "ECDSA_SHA_256"
KEY_SPEC = "ECC_NIST_P256"
COORDINATE_BYTES = 32  # P-256


@lru_cache(maxsize=1)
def _kms() -> Any:
    import boto3

    return boto3.client("kms", region_name=get_settings().region)


def reset_clients() -> None:
    """Forget the cached client and public keys (tests and the local stack change the environment)."""
    _kms.cache_clear()
    _public_jwk.cache_clear()


def der_to_raw(der: bytes, size: int = COORDINATE_BYTES) -> bytes:
    """A DER ECDSA signature (SEQUENCE of INTEGER r, INTEGER s) as JWS's fixed-size r || s."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def sign_es256(key_id: str, signing_input: bytes) -> bytes:
    """The raw ES256 signature (64 bytes) of a JWS signing input, made by KMS key `key_id`."""
    digest = hashlib.sha256(signing_input).digest()
    reply = _kms().sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=SIGNING_ALGORITHM
    )
    return der_to_raw(bytes(reply["Signature"]))


def signer(key_id: str) -> Callable[[bytes], bytes]:
    """The `sign` callable that domain.credentials.compact_jws takes, bound to one KMS key."""

    def sign(signing_input: bytes) -> bytes:
        return sign_es256(key_id, signing_input)

    return sign


def jwk_from_der(public_key_der: bytes) -> dict[str, str]:
    """A public P-256 key (DER SubjectPublicKeyInfo, as KMS GetPublicKey returns it) as a JWK.

    The JWK has kty, crv, x, y, kid (the thumbprint URI), alg ES256 and use sig; never "d".
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    from joserfc.jwk import ECKey, thumbprint_uri

    public_key = load_der_public_key(public_key_der)
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256r1":
        raise ValueError("the credentials key must be an ECC_NIST_P256 (P-256) key")
    members = ECKey.import_key(public_key).as_dict(private=False)
    jwk = {m: str(members[m]) for m in ("kty", "crv", "x", "y")}
    return {**jwk, "kid": thumbprint_uri(jwk), "alg": "ES256", "use": "sig"}


def public_jwk(key_id: str) -> dict[str, str]:
    """The public JWK of KMS key `key_id` (fetched once; a KMS key's public key never changes).

    Refuses a key that is not a P-256 signing key, so a misconfigured key id fails at first use
    rather than producing credentials nobody can verify.
    """
    return dict(_public_jwk(key_id))


@lru_cache(maxsize=16)
def _public_jwk(key_id: str) -> dict[str, str]:
    reply = _kms().get_public_key(KeyId=key_id)
    if reply.get("KeyUsage") != "SIGN_VERIFY" or SIGNING_ALGORITHM not in reply.get("SigningAlgorithms", []):
        raise ValueError(f"KMS key {key_id} is not an {KEY_SPEC} SIGN_VERIFY key")
    return jwk_from_der(bytes(reply["PublicKey"]))


def key_id_of(key_id: str) -> str:
    """The `kid` credentials signed by KMS key `key_id` carry in their JOSE header."""
    return public_jwk(key_id)["kid"]
