"""The render queue: the certificate worker renders committed claims and signs changed status lists."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cme_ledger.config import get_settings
from cme_ledger.observability import CORRELATION_ATTRIBUTE, correlation_id


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name=get_settings().region)


def _send(body: dict[str, Any]) -> None:
    # The message carries the sender's correlation id, so the worker's logs join the request's.
    attributes = {}
    correlation = correlation_id()
    if correlation:
        attributes[CORRELATION_ATTRIBUTE] = {"DataType": "String", "StringValue": correlation}
    _sqs().send_message(
        QueueUrl=get_settings().render_queue_url, MessageBody=json.dumps(body), MessageAttributes=attributes
    )


def send_render(user_id: str, claim_id: str) -> None:
    """Ask the certificate worker to render a claim (at least once; the worker is idempotent)."""
    _send({"user_id": user_id, "claim_id": claim_id})


def send_status_list(list_id: str) -> None:
    """Ask the certificate worker, the only signer, to sign a status list's latest version again."""
    _send({"status_list": list_id})


def send_transcript(user_id: str, date_from: str, date_to: str, key: str) -> None:
    """Ask the certificate worker to render a transcript too long for the request, at `key`."""
    _send({"transcript": {"user_id": user_id, "from": date_from, "to": date_to, "key": key}})


def reset_clients() -> None:
    _sqs.cache_clear()
