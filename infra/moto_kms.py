"""moto's KMS, made to sign as AWS does for MessageType DIGEST (local stack and tests; never deployed).

moto 5.2.5 ignores MessageType: a DIGEST message (already a SHA-256) is hashed once more before
signing, so the signature is over SHA-256(SHA-256(input)) and no JWS verifier accepts it. AWS
signs a DIGEST as the hash it is. Here, for DIGEST, moto's ECDSA key signs and verifies the
message as prehashed (refusing one of the wrong length, as AWS does), and a RAW message longer
than AWS's 4,096 bytes is refused as AWS refuses it, so the local stack cannot hide that limit.
infra/moto_patches.apply() applies it with the other moto workarounds.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any

RAW_LIMIT = 4096
_applied = False
_message_type: contextvars.ContextVar[str] = contextvars.ContextVar("kms_message_type", default="RAW")
_DIGEST_BYTES = {"ECDSA_SHA_256": 32, "ECDSA_SHA_384": 48, "ECDSA_SHA_512": 64}


def _with_message_type(method: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(method)
    def call(self: Any) -> str:
        from moto.kms.exceptions import ValidationException

        message_type = self._get_param("MessageType") or "RAW"
        message = self._get_param("Message") or b""  # moto hands blobs over decoded
        size = len(message) if isinstance(message, bytes) else len(str(message).encode())
        if message_type == "RAW" and size > RAW_LIMIT:
            raise ValidationException(
                "1 validation error detected: Value at 'Message' failed to satisfy constraint: "
                f"Member must have length less than or equal to {RAW_LIMIT}"
            )
        token = _message_type.set(message_type)
        try:
            return method(self)
        finally:
            _message_type.reset(token)

    return call


def _algorithm(signing_algorithm: str, message: bytes) -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from moto.kms.exceptions import ValidationException

    hash_algorithm = {
        "ECDSA_SHA_256": hashes.SHA256(),
        "ECDSA_SHA_384": hashes.SHA384(),
        "ECDSA_SHA_512": hashes.SHA512(),
    }[signing_algorithm]
    if len(message) != _DIGEST_BYTES[signing_algorithm]:
        raise ValidationException(f"Digest is invalid length for algorithm {signing_algorithm}.")
    return ec.ECDSA(utils.Prehashed(hash_algorithm))


def apply() -> None:
    """Patch moto's KMS once per process (idempotent)."""
    global _applied
    if _applied:
        return
    from cryptography.exceptions import InvalidSignature
    from moto.kms.responses import KmsResponse
    from moto.kms.utils import ECDSAPrivateKey, validate_signing_algorithm

    original_sign, original_verify = ECDSAPrivateKey.sign, ECDSAPrivateKey.verify

    def sign(self: Any, message: bytes, signing_algorithm: str) -> bytes:
        if _message_type.get() != "DIGEST":
            return bytes(original_sign(self, message, signing_algorithm))
        validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
        return bytes(self.private_key.sign(message, _algorithm(signing_algorithm, message)))

    def verify(self: Any, message: bytes, signature: bytes, signing_algorithm: str) -> bool:
        if _message_type.get() != "DIGEST":
            return bool(original_verify(self, message, signature, signing_algorithm))
        validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
        try:
            self.private_key.public_key().verify(signature, message, _algorithm(signing_algorithm, message))
        except InvalidSignature:
            return False
        return True

    ECDSAPrivateKey.sign = sign  # type: ignore[method-assign]
    ECDSAPrivateKey.verify = verify  # type: ignore[method-assign]
    KmsResponse.sign = _with_message_type(KmsResponse.sign)  # type: ignore[method-assign]
    KmsResponse.verify = _with_message_type(KmsResponse.verify)  # type: ignore[method-assign]
    _applied = True
