"""The emails the local stack sent (`cme outbox`): moto's SES keeps every message it was given, and
serves them in its /moto-api/data.json; the send time is the one our reminder records keep."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any


def _moto_messages(endpoint: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{endpoint.rstrip('/')}/moto-api/data.json", timeout=30) as reply:  # noqa: S310 - the local stack's own endpoint
        data = json.load(reply)
    return list((data.get("ses") or {}).get("Message") or [])


def _send_times() -> dict[str, str]:
    """SES message id -> sent_at, from the reminder records (a local table: a Scan is fine)."""
    from cme_ledger.store.db import client, plain, table_name

    times: dict[str, str] = {}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "FilterExpression": "kind = :k AND attribute_exists(message_id)",
        "ExpressionAttributeValues": {":k": {"S": "reminder"}},
    }
    while True:
        page = client().scan(**request)
        for item in page.get("Items", []):
            data = plain(item)
            times[str(data["message_id"])] = str(data.get("sent_at", ""))
        if not page.get("LastEvaluatedKey"):
            return times
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sent_messages(to: str | None = None) -> list[dict[str, Any]]:
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint:
        raise SystemExit("cme outbox reads the local stack's SES: start it with make run")
    times = _send_times()
    found = []
    for message in _moto_messages(endpoint):
        recipients = list((message.get("destinations") or {}).get("ToAddresses") or [])
        if to is not None and to not in recipients:
            continue
        found.append(
            {
                "to": recipients[0] if len(recipients) == 1 else recipients,
                "subject": message.get("subject", ""),
                "sent_at": times.get(str(message.get("id")), ""),
                "text": message.get("body", ""),
            }
        )
    return sorted(found, key=lambda m: m["sent_at"])
