"""Opaque pagination cursors, signed for one caller and one listing: anything else is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache

from cme_ledger.config import get_settings
from cme_ledger.domain.errors import InvalidInput


@lru_cache(maxsize=1)
def _secret() -> bytes:
    settings = get_settings()
    if settings.cursor_secret:
        return settings.cursor_secret.encode()
    if settings.cursor_secret_arn:
        import boto3  # only when the secret lives in Secrets Manager

        value = boto3.client("secretsmanager", region_name=settings.region).get_secret_value(
            SecretId=settings.cursor_secret_arn
        )["SecretString"]
        return str(value).encode()
    return hashlib.sha256(f"cme-ledger:{settings.table_name}".encode()).digest()


def reset_secret() -> None:
    """Forget the cached secret (runtime.reset)."""
    _secret.cache_clear()


def _sign(payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(_secret(), payload, hashlib.sha256).digest()[:18]).decode()


def encode(user_id: str, listing: str, position: dict[str, str]) -> str:
    payload = json.dumps({"u": user_id, "l": listing, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _sign(payload)


def decode(cursor: str, user_id: str, listing: str) -> dict[str, str]:
    """The position a cursor stands for; 422 when it is not one the server gave this caller."""
    invalid = InvalidInput("The cursor is not valid.", [{"field": "cursor", "reason": "invalid cursor"}])
    try:
        body, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise invalid from None
    if not hmac.compare_digest(_sign(payload), signature):
        raise invalid
    if not isinstance(data, dict) or data.get("u") != user_id or data.get("l") != listing:
        raise invalid
    position = data.get("p")
    if not isinstance(position, dict) or not all(isinstance(v, str) for v in position.values()):
        raise invalid
    return position
