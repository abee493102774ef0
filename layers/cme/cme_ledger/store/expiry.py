"""The expiry sweep's reads and writes: the sparse `expiry` index, one conditional update per credit.

Only Query (on the index, one partition per day and shard) and GetItem (by key) are used here: the
sweep's cost follows the number of credits that fall due, never the table's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from cme_ledger.domain.expiry import DueCredit
from cme_ledger.store import keys
from cme_ledger.store.credits import LEAVE_INDEXES
from cme_ledger.store.db import client, plain, table_name
from cme_ledger.store.failures import succeeded

INDEX = "expiry"
_FIELDS = "pk, sk, user_id, credit_id, amount, claimed, version, expires_at, course_id, expiry_pk, expired_at"


def _due(item: dict[str, Any]) -> DueCredit:
    data = plain(item)
    return DueCredit(
        user_id=data["user_id"],
        credit_id=data["credit_id"],
        course_id=data["course_id"],
        amount=Decimal(data["amount"]),
        claimed={str(k): Decimal(v) for k, v in (data.get("claimed") or {}).items()},
        version=int(data.get("version", 0)),
        expires_at=data["expires_at"],
        indexed="expiry_pk" in data,
        expired="expired_at" in data,
    )


def _key(credit: DueCredit) -> dict[str, Any]:
    return {"pk": {"S": keys.user_pk(credit.user_id)}, "sk": {"S": keys.credit_sk(credit.credit_id)}}


def due_in_partition(day: str, shard: int, due_at: str, page_size: int = 500) -> Iterator[list[DueCredit]]:
    """Pages of the credits indexed under (day, shard) that expire at or before `due_at`.

    expiry_sk starts with the expires_at ISO string; it sorts before `due_at` + one second exactly
    when "expires_at <= due_at" at the API's one-second precision.
    """
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": INDEX,
        "KeyConditionExpression": "expiry_pk = :p AND expiry_sk < :s",
        "ExpressionAttributeValues": {
            ":p": {"S": keys.expiry_pk(day, shard)},
            ":s": {"S": keys.expiry_sk_after(due_at)},
        },
        "Limit": page_size,
    }
    yield from _pages(request)


def indexed_between(day: str, shard: int, after: str, until: str) -> Iterator[list[DueCredit]]:
    """Pages of the open credits indexed under (day, shard) that expire in (after, until], to the
    second (every expiry_sk has a suffix after the time, so none equals the upper bound)."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": INDEX,
        "KeyConditionExpression": "expiry_pk = :p AND expiry_sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":p": {"S": keys.expiry_pk(day, shard)},
            ":lo": {"S": keys.expiry_sk_after(after)},
            ":hi": {"S": keys.expiry_sk_after(until)},
        },
    }
    yield from _pages(request)


def _pages(request: dict[str, Any]) -> Iterator[list[DueCredit]]:
    """The index Query's pages, as the credits they hold."""
    while True:
        page = client().query(**request)
        items = page.get("Items", [])
        if items:
            yield [_due(item) for item in items]
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


def reread(credit: DueCredit) -> DueCredit | None:
    """The credit now (consistent GetItem); None when it is gone."""
    reply = client().get_item(
        TableName=table_name(), Key=_key(credit), ConsistentRead=True, ProjectionExpression=_FIELDS
    )
    item = reply.get("Item")
    return _due(item) if item else None


def expire_credit(credit: DueCredit, unclaimed: dict[str, Decimal], now_iso: str) -> bool:
    """Mark one credit expired and take it out of the index; False when it changed since it was read.

    The condition (same version, still indexed, really due) means a claim applied in between makes
    this write fail instead of recording a stale unclaimed balance. Claimed parts are not touched.
    """
    return succeeded(
        client().update_item,
        TableName=table_name(),
        Key=_key(credit),
        UpdateExpression=f"SET expired_at = :now, unclaimed_at_expiry = :left {LEAVE_INDEXES}",
        ConditionExpression="version = :v AND attribute_exists(expiry_pk) AND expires_at <= :now",
        ExpressionAttributeValues={
            ":now": {"S": now_iso},
            ":v": {"N": str(credit.version)},
            ":left": {"M": {code: {"N": str(value)} for code, value in unclaimed.items()}},
        },
    )


def get_next_day() -> str | None:
    """The first day the sweep still has to look at (None before any credit was recorded)."""
    reply = client().get_item(
        TableName=table_name(),
        Key={"pk": {"S": keys.SWEEP_PK}, "sk": {"S": keys.SWEEP_SK}},
        ConsistentRead=True,
    )
    item = reply.get("Item")
    return str(plain(item)["next_day"]) if item else None


def advance_next_day(day: str, now_iso: str) -> None:
    """Move the sweep's start forward to `day`; never backwards (a slower concurrent run loses)."""
    succeeded(
        client().update_item,
        TableName=table_name(),
        Key={"pk": {"S": keys.SWEEP_PK}, "sk": {"S": keys.SWEEP_SK}},
        UpdateExpression="SET next_day = :d, updated_at = :now, kind = if_not_exists(kind, :kind)",
        ConditionExpression="attribute_not_exists(next_day) OR next_day < :d",
        ExpressionAttributeValues={":d": {"S": day}, ":now": {"S": now_iso}, ":kind": {"S": "sweep_state"}},
    )
