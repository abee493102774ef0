"""ABP report persistence: queued entries (work index), report records, the batch file in S3.

Report records live in partition REPORT#ABP with the file's S3 key as sort key. A record is written
`pending` (with the keys of the entries it may report) *before* its file is put, and made `done`
in the same transaction that marks its last entries reported; see docs/board-reports.md.

Bucket layout (the report keys are built here): reports/abp/{YYYY-MM-DD}-{n}.txt
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from cme_ledger.config import get_settings
from cme_ledger.store import keys
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.models import Claim

REPORT_PREFIX = "reports/abp/"
# TransactWriteItems takes 100 items: 49 entries (entry + claim each) and the report record.
MARK_CHUNK = 49

EntryKey = tuple[str, str]  # (pk, sk) of a BoardReportEntry


@dataclass(frozen=True)
class EntryState:
    pk: str
    sk: str
    user_id: str
    claim_id: str
    queued: bool  # still in the work index (not reported yet)
    report_key: str | None  # the report that holds it


@dataclass(frozen=True)
class PendingReport:
    report_key: str
    entries: list[EntryKey]


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3

    return boto3.client("s3", region_name=get_settings().region)


def reset_clients() -> None:
    """Forget the cached client (tests and the local stack change the environment)."""
    _s3.cache_clear()


def report_key(day: str, number: int) -> str:
    return f"{REPORT_PREFIX}{day}-{number}.txt"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


# ----------------------------------------------------------------------------- reads


def queued_entries() -> list[EntryKey]:
    """Keys of every entry queued for the ABP report, oldest first (work index, keys only)."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "work",
        "KeyConditionExpression": "work_pk = :w",
        "ExpressionAttributeValues": {":w": {"S": keys.WORK_ABP_QUEUED}},
    }
    found: list[EntryKey] = []
    while True:
        page = client().query(**request)
        found.extend((item["pk"]["S"], item["sk"]["S"]) for item in page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_entries(entry_keys: Iterable[EntryKey]) -> dict[EntryKey, EntryState]:
    """The entries now (consistent reads), by key; absent keys are simply missing."""
    name = table_name()
    wanted = [_key(pk, sk) for pk, sk in dict.fromkeys(entry_keys)]
    found: dict[EntryKey, EntryState] = {}
    for start in range(0, len(wanted), 100):
        request: dict[str, Any] = {name: {"Keys": wanted[start : start + 100], "ConsistentRead": True}}
        while request:
            reply = client().batch_get_item(RequestItems=request)
            for item in reply.get("Responses", {}).get(name, []):
                state = EntryState(
                    pk=item["pk"]["S"],
                    sk=item["sk"]["S"],
                    user_id=item["user_id"]["S"],
                    claim_id=item["claim_id"]["S"],
                    queued="work_pk" in item,
                    report_key=item["report_key"]["S"] if "report_key" in item else None,
                )
                found[(state.pk, state.sk)] = state
            request = reply.get("UnprocessedKeys") or {}
    return found


def get_claims(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Claim]:
    """Claims by (user_id, claim_id), consistent reads."""
    bind()
    wanted = [(keys.user_pk(u), keys.claim_sk(c)) for u, c in dict.fromkeys(pairs)]
    return {
        (claim.user_id, claim.claim_id): claim
        for claim in Claim.batch_get(wanted, consistent_read=True)
        if isinstance(claim, Claim)
    }


def pending_reports() -> list[PendingReport]:
    """Reports reserved by a run that did not finish them (normally none), oldest key first."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :prefix)",
        "FilterExpression": "#st = :pending",
        "ExpressionAttributeNames": {"#st": "status"},
        "ExpressionAttributeValues": {
            ":p": {"S": keys.BOARD_REPORT_PK},
            ":prefix": {"S": REPORT_PREFIX},
            ":pending": {"S": "pending"},
        },
        "ConsistentRead": True,
    }
    found: list[PendingReport] = []
    while True:
        page = client().query(**request)
        for item in page.get("Items", []):
            entries = [(e["L"][0]["S"], e["L"][1]["S"]) for e in item.get("entries", {}).get("L", [])]
            found.append(PendingReport(item["sk"]["S"], entries))
        if not page.get("LastEvaluatedKey"):
            return sorted(found, key=lambda r: r.report_key)
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def report_numbers(day: str) -> set[int]:
    """The numbers n of the reports of `day` already recorded (pending or done)."""
    prefix = f"{REPORT_PREFIX}{day}-"
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":p": {"S": keys.BOARD_REPORT_PK}, ":prefix": {"S": prefix}},
        "ProjectionExpression": "sk",
        "ConsistentRead": True,
    }
    numbers: set[int] = set()
    while True:
        page = client().query(**request)
        for item in page.get("Items", []):
            numbers.add(int(item["sk"]["S"][len(prefix) :].removesuffix(".txt")))
        if not page.get("LastEvaluatedKey"):
            return numbers
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ----------------------------------------------------------------------------- writes


def reserve_report(key: str, entries: list[EntryKey], lines: int, now_iso: str) -> bool:
    """Write the pending record of report `key` (False when that key is taken)."""
    try:
        client().put_item(
            TableName=table_name(),
            Item={
                **_key(keys.BOARD_REPORT_PK, key),
                "kind": {"S": "board_report"},
                "report_key": {"S": key},
                "status": {"S": "pending"},
                "lines": {"N": str(lines)},
                "created_at": {"S": now_iso},
                "entries": {"L": [{"L": [{"S": pk}, {"S": sk}]} for pk, sk in entries]},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if _code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def hold_entry(entry: EntryKey, key: str) -> bool:
    """Attach a queued entry to report `key`; False when it is reported or held by another report."""
    try:
        client().update_item(
            TableName=table_name(),
            Key=_key(*entry),
            UpdateExpression="SET report_key = :k",
            ConditionExpression=(
                "attribute_exists(work_pk) AND (attribute_not_exists(report_key) OR report_key = :k)"
            ),
            ExpressionAttributeValues={":k": {"S": key}},
        )
    except ClientError as exc:
        if _code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def drop_report(key: str, now_iso: str) -> None:
    """Close a pending record that holds no entry (it never had a file): status `void`, 0 lines."""
    try:
        client().update_item(
            TableName=table_name(),
            Key=_key(keys.BOARD_REPORT_PK, key),
            UpdateExpression="SET #st = :void, #ln = :zero, reported_at = :now REMOVE entries",
            ConditionExpression="#st = :pending",
            ExpressionAttributeNames={"#st": "status", "#ln": "lines"},
            ExpressionAttributeValues={
                ":void": {"S": "void"},
                ":pending": {"S": "pending"},
                ":zero": {"N": "0"},
                ":now": {"S": now_iso},
            },
        )
    except ClientError as exc:
        if _code(exc) != "ConditionalCheckFailedException":
            raise


def put_file(key: str, body: bytes) -> bool:
    """Write the batch file once (If-None-Match: *); False when it is there already (a rerun)."""
    try:
        _s3().put_object(
            Bucket=get_settings().bucket_name,
            Key=key,
            Body=body,
            ContentType="text/tab-separated-values; charset=utf-8",
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if _code(exc) in ("PreconditionFailed", "412"):
            return False
        raise
    return True


def mark_reported(key: str, entries: list[EntryState], lines: int, now_iso: str) -> None:
    """Mark entries reported by `key` (out of the work index) and their claims `reported`, <= 49 entries
    per transaction; the last transaction also makes the report record `done` with its line count."""
    name = table_name()
    chunks = [entries[i : i + MARK_CHUNK] for i in range(0, len(entries), MARK_CHUNK)] or [[]]
    for index, chunk in enumerate(chunks):
        items: list[dict[str, Any]] = []
        for entry in chunk:
            items.append(
                {
                    "Update": {
                        "TableName": name,
                        "Key": _key(entry.pk, entry.sk),
                        "UpdateExpression": "SET reported_at = :now REMOVE work_pk, work_sk",
                        "ConditionExpression": "report_key = :k AND attribute_exists(work_pk)",
                        "ExpressionAttributeValues": {":k": {"S": key}, ":now": {"S": now_iso}},
                    }
                }
            )
            items.append(
                {
                    "Update": {
                        "TableName": name,
                        "Key": _key(keys.user_pk(entry.user_id), keys.claim_sk(entry.claim_id)),
                        "UpdateExpression": "SET board_report = :reported, report_key = :k",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":k": {"S": key}, ":reported": {"S": "reported"}},
                    }
                }
            )
        if index == len(chunks) - 1:
            items.append(
                {
                    "Update": {
                        "TableName": name,
                        "Key": _key(keys.BOARD_REPORT_PK, key),
                        "UpdateExpression": "SET #st = :done, #ln = :n, reported_at = :now REMOVE entries",
                        "ConditionExpression": "#st = :pending",
                        "ExpressionAttributeNames": {"#st": "status", "#ln": "lines"},
                        "ExpressionAttributeValues": {
                            ":done": {"S": "done"},
                            ":pending": {"S": "pending"},
                            ":n": {"N": str(lines)},
                            ":now": {"S": now_iso},
                        },
                    }
                }
            )
        client().transact_write_items(TransactItems=items)
