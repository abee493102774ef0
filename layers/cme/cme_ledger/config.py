"""Settings read from the environment once, validated, and passed in from here (no os.environ elsewhere)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    bucket_name: str
    render_queue_url: str
    public_base_url: str
    cursor_secret: str
    cursor_secret_arn: str
    region: str
    expiry_shards: int
    claim_stale_seconds: int
    render_stale_seconds: int
    reminder_sender: str  # the SES identity reminders are sent from
    web_base_url: str  # where learners claim: the web client (links in reminders)
    credentials_key_id: str  # the KMS key that signs credentials and status lists (the worker's)
    issuer_name: str  # the issuer's name in credentials and GET /issuer
    status_list_wait_seconds: int  # how long a revocation waits for the worker to sign the list
    upload_bucket_name: str = ""  # learners' uploads (external credit certificates)


def _require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer") from exc
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The validated settings of this process (cached; call reset_settings() after changing the env)."""
    return Settings(
        table_name=_require("TABLE_NAME"),
        bucket_name=os.environ.get("BUCKET_NAME", ""),
        render_queue_url=os.environ.get("RENDER_QUEUE_URL", ""),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        cursor_secret=os.environ.get("CURSOR_SECRET", ""),
        cursor_secret_arn=os.environ.get("CURSOR_SECRET_ARN", ""),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        expiry_shards=_int("EXPIRY_SHARDS", 4, 1, 64),
        claim_stale_seconds=_int("CLAIM_STALE_SECONDS", 120, 1, 86400),
        render_stale_seconds=_int("RENDER_STALE_SECONDS", 300, 1, 86400),
        reminder_sender=os.environ.get("REMINDER_SENDER", ""),
        web_base_url=(os.environ.get("WEB_BASE_URL") or os.environ.get("PUBLIC_BASE_URL", "")).rstrip("/"),
        credentials_key_id=os.environ.get("CREDENTIALS_KEY_ID", "").strip(),
        issuer_name=os.environ.get("CREDENTIALS_ISSUER_NAME", "").strip() or "CME Ledger",
        status_list_wait_seconds=_int("STATUS_LIST_WAIT_SECONDS", 10, 0, 25),
        upload_bucket_name=os.environ.get("UPLOAD_BUCKET_NAME", ""),
    )


def reset_settings() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
