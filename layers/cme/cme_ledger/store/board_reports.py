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
from cme_ledger.domain.model import BoardEntry
from cme_ledger.store import keys
from cme_ledger.store.db import client, plain, table_name
from cme_ledger.store.failures import succeeded

REPORT_PREFIX = "reports/abp/"
# TransactWriteItems takes 100 items: 49 entries (entry + claim each) and the report record.
MARK_CHUNK = 49

EntryRef = tuple[str, str]  # (user_id, claim_id) of a claim's board entry


@dataclass(frozen=True)
class PendingReport:
    report_key: str
    entries: list[EntryRef]


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3

    return boto3.client("s3", region_name=get_settings().region)


def reset_clients() -> None:
    """Forget the cached client (tests and the local stack change the environment)."""
    _s3.cache_clear()


def report_key(day: str, number: int) -> str:
    return f"{REPORT_PREFIX}{day}-{number}.txt"


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _entry_key(ref: EntryRef) -> dict[str, Any]:
    return _key(keys.user_pk(ref[0]), keys.board_entry_sk(ref[1]))


def _ref(pk: str, sk: str) -> EntryRef:
    return keys.user_of(pk), keys.claim_of(sk).removesuffix(keys.BOARD_ENTRY_SUFFIX)


def _entry_of(item: dict[str, Any]) -> BoardEntry:
    data = plain(item)
    return BoardEntry(
        user_id=data["user_id"],
        claim_id=data["claim_id"],
        queued_at=data.get("queued_at", ""),
        queued="work_pk" in data,
        reported_at=data.get("reported_at"),
        report_key=data.get("report_key"),
    )


# ----------------------------------------------------------------------------- reads


def queued_entries() -> list[EntryRef]:
    """Every claim whose entry is queued for the ABP report, oldest first (work index, keys only)."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "work",
        "KeyConditionExpression": "work_pk = :w",
        "ExpressionAttributeValues": {":w": {"S": keys.WORK_ABP_QUEUED}},
    }
    found: list[EntryRef] = []
    while True:
        page = client().query(**request)
        found.extend(_ref(item["pk"]["S"], item["sk"]["S"]) for item in page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_entries(refs: Iterable[EntryRef]) -> dict[EntryRef, BoardEntry]:
    """The entries now (consistent reads), by claim; absent ones are simply missing."""
    name = table_name()
    wanted = [_entry_key(ref) for ref in dict.fromkeys(refs)]
    found: dict[EntryRef, BoardEntry] = {}
    for start in range(0, len(wanted), 100):
        request: dict[str, Any] = {name: {"Keys": wanted[start : start + 100], "ConsistentRead": True}}
        while request:
            reply = client().batch_get_item(RequestItems=request)
            for item in reply.get("Responses", {}).get(name, []):
                entry = _entry_of(item)
                found[(entry.user_id, entry.claim_id)] = entry
            request = reply.get("UnprocessedKeys") or {}
    return found


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
            entries = [_ref(e["L"][0]["S"], e["L"][1]["S"]) for e in item.get("entries", {}).get("L", [])]
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


def reserve_report(key: str, entries: list[EntryRef], lines: int, now_iso: str) -> bool:
    """Write the pending record of report `key` (False when that key is taken)."""
    entry_keys = [_entry_key(ref) for ref in entries]
    return succeeded(
        client().put_item,
        TableName=table_name(),
        Item={
            **_key(keys.BOARD_REPORT_PK, key),
            "kind": {"S": "board_report"},
            "report_key": {"S": key},
            "status": {"S": "pending"},
            "lines": {"N": str(lines)},
            "created_at": {"S": now_iso},
            "entries": {"L": [{"L": [k["pk"], k["sk"]]} for k in entry_keys]},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def hold_entry(entry: EntryRef, key: str) -> bool:
    """Attach a queued entry to report `key`; False when it is reported or held by another report."""
    return succeeded(
        client().update_item,
        TableName=table_name(),
        Key=_entry_key(entry),
        UpdateExpression="SET report_key = :k",
        ConditionExpression="attribute_exists(work_pk) AND (attribute_not_exists(report_key) OR report_key = :k)",
        ExpressionAttributeValues={":k": {"S": key}},
    )


def drop_report(key: str, now_iso: str) -> None:
    """Close a pending record that holds no entry (it never had a file): status `void`, 0 lines."""
    succeeded(
        client().update_item,
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
        if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            return False
        raise
    return True


def mark_reported(key: str, entries: list[BoardEntry], lines: int, now_iso: str) -> None:
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
                        "Key": _entry_key((entry.user_id, entry.claim_id)),
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
