"""The expiry sweep's reads and writes: the sparse `expiry` index, one conditional update per credit.

Only Query (on the index, one partition per day and shard) and GetItem/BatchGetItem (by key) are
used here: the sweep's cost follows the number of credits that fall due, never the table's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from cme_ledger.store import keys
from cme_ledger.store.db import client, table_name

INDEX = "expiry"


@dataclass(frozen=True)
class DueCredit:
    """A credit as the sweep sees it: from the index projection (or a consistent re-read)."""

    pk: str
    sk: str
    user_id: str
    credit_id: str
    amount: Decimal
    claimed: dict[str, Decimal]
    version: int
    expires_at: str
    course_id: str | None  # None when the index does not project it (looked up by key then)
    in_index: bool = True  # False once the credit has left the index (fully claimed or expired)
    expired: bool = False


def _decode(item: dict[str, Any]) -> DueCredit:
    claimed = {k: Decimal(v["N"]) for k, v in item.get("claimed", {}).get("M", {}).items()}
    return DueCredit(
        pk=item["pk"]["S"],
        sk=item["sk"]["S"],
        user_id=item["user_id"]["S"],
        credit_id=item["credit_id"]["S"],
        amount=Decimal(item["amount"]["N"]),
        claimed=claimed,
        version=int(item.get("version", {"N": "0"})["N"]),
        expires_at=item["expires_at"]["S"],
        course_id=item["course_id"]["S"] if "course_id" in item else None,
        in_index="expiry_pk" in item,
        expired="expired_at" in item,
    )


def due_in_partition(day: str, shard: int, before_sk: str, page_size: int = 500) -> Iterator[list[DueCredit]]:
    """Pages of the credits indexed under (day, shard) whose expiry_sk sorts before `before_sk`.

    expiry_sk starts with the expires_at ISO string, so `expiry_sk < iso(now + 1 s)` is exactly
    "expires_at <= now" at the API's one-second precision.
    """
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": INDEX,
        "KeyConditionExpression": "expiry_pk = :p AND expiry_sk < :s",
        "ExpressionAttributeValues": {":p": {"S": keys.expiry_pk(day, shard)}, ":s": {"S": before_sk}},
        "Limit": page_size,
    }
    while True:
        page = client().query(**request)
        items = page.get("Items", [])
        if items:
            yield [_decode(item) for item in items]
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


def course_ids(credits: list[DueCredit]) -> dict[tuple[str, str], str]:
    """course_id of credits by key (pk, sk), for index items that do not project it.

    One GetItem each (the sweep's IAM policy allows GetItem, not BatchGetItem); course ids never
    change, so an eventually consistent read is enough.
    """
    found: dict[tuple[str, str], str] = {}
    name = table_name()
    for credit in credits:
        reply = client().get_item(
            TableName=name,
            Key={"pk": {"S": credit.pk}, "sk": {"S": credit.sk}},
            ProjectionExpression="course_id",
        )
        item = reply.get("Item")
        if item:
            found[(credit.pk, credit.sk)] = item["course_id"]["S"]
    return found


def reread(credit: DueCredit) -> DueCredit | None:
    """The credit now (consistent GetItem); None when it is gone."""
    reply = client().get_item(
        TableName=table_name(),
        Key={"pk": {"S": credit.pk}, "sk": {"S": credit.sk}},
        ConsistentRead=True,
        ProjectionExpression="pk, sk, user_id, credit_id, amount, claimed, version, expires_at, course_id,"
        " expiry_pk, expired_at",
    )
    item = reply.get("Item")
    return _decode(item) if item else None


def expire_credit(credit: DueCredit, unclaimed: dict[str, Decimal], now_iso: str) -> bool:
    """Mark one credit expired and take it out of the index; False when it changed since it was read.

    The condition (same version, still indexed, really due) means a claim applied in between makes
    this write fail instead of recording a stale unclaimed balance. Claimed parts are not touched.
    """
    try:
        client().update_item(
            TableName=table_name(),
            Key={"pk": {"S": credit.pk}, "sk": {"S": credit.sk}},
            UpdateExpression="SET expired_at = :now, unclaimed_at_expiry = :left REMOVE expiry_pk, expiry_sk",
            ConditionExpression="version = :v AND attribute_exists(expiry_pk) AND expires_at <= :now",
            ExpressionAttributeValues={
                ":now": {"S": now_iso},
                ":v": {"N": str(credit.version)},
                ":left": {"M": {code: {"N": str(value)} for code, value in unclaimed.items()}},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_next_day() -> str | None:
    """The first day the sweep still has to look at (None before any credit was recorded)."""
    reply = client().get_item(
        TableName=table_name(),
        Key={"pk": {"S": keys.SWEEP_PK}, "sk": {"S": keys.SWEEP_SK}},
        ConsistentRead=True,
    )
    item = reply.get("Item")
    return item["next_day"]["S"] if item else None


def advance_next_day(day: str, now_iso: str) -> None:
    """Move the sweep's start forward to `day`; never backwards (a slower concurrent run loses)."""
    try:
        client().update_item(
            TableName=table_name(),
            Key={"pk": {"S": keys.SWEEP_PK}, "sk": {"S": keys.SWEEP_SK}},
            UpdateExpression="SET next_day = :d, updated_at = :now, kind = if_not_exists(kind, :kind)",
            ConditionExpression="attribute_not_exists(next_day) OR next_day < :d",
            ExpressionAttributeValues={
                ":d": {"S": day},
                ":now": {"S": now_iso},
                ":kind": {"S": "sweep_state"},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
