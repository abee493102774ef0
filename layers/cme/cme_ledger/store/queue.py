"""The render queue: a committed claim's certificate is rendered asynchronously by the worker."""

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


def send_render(user_id: str, claim_id: str) -> None:
    """Ask the certificate worker to render a claim (at least once; the worker is idempotent).

    The message carries the sender's correlation id, so the worker's logs join the request's.
    """
    attributes = {}
    correlation = correlation_id()
    if correlation:
        attributes[CORRELATION_ATTRIBUTE] = {"DataType": "String", "StringValue": correlation}
    _sqs().send_message(
        QueueUrl=get_settings().render_queue_url,
        MessageBody=json.dumps({"user_id": user_id, "claim_id": claim_id}),
        MessageAttributes=attributes,
    )


def reset_clients() -> None:
    _sqs.cache_clear()
