"""Reminder runs and messages.

- `REMINDERS / STATE`: per threshold, the instant the last finished run reached; and the run under
  way (its id and windows), so a run that died is finished with the same windows before a new one.
- `USER#{id} / REMINDER#{run}`: the message of one run to one learner, written before it is sent
  (condition: absent) and `sent` afterwards; one left `sending` (the process died during the send)
  is never sent again and stays in the work index, where `cme audit` finds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cme_ledger.config import get_settings
from cme_ledger.domain.reminders import Message, Window
from cme_ledger.store import keys
from cme_ledger.store.db import client, plain, table_name
from cme_ledger.store.failures import succeeded

_STATE = {"pk": {"S": keys.REMINDERS_PK}, "sk": {"S": keys.REMINDERS_STATE_SK}}


@dataclass(frozen=True)
class Run:
    run_at: str
    windows: list[Window]


@dataclass(frozen=True)
class ReminderState:
    reached: dict[int, str]
    running: Run | None


def get_state() -> ReminderState:
    item = client().get_item(TableName=table_name(), Key=_STATE, ConsistentRead=True).get("Item")
    data = plain(item) if item else {}
    reached = {int(k): str(v) for k, v in (data.get("reached") or {}).items()}
    running = None
    if data.get("running_at"):
        bounds = json.loads(data["running_windows"])
        running = Run(data["running_at"], [Window(int(t), after, until) for t, after, until in bounds])
    return ReminderState(reached, running)


def start_run(run: Run) -> bool:
    """Record the run under way; False when another run is (its windows must be finished first)."""
    bounds = json.dumps([[w.threshold, w.after, w.until] for w in run.windows])
    return succeeded(
        client().update_item,
        TableName=table_name(),
        Key=_STATE,
        UpdateExpression="SET running_at = :at, running_windows = :w, kind = if_not_exists(kind, :kind)",
        ConditionExpression="attribute_not_exists(running_at)",
        ExpressionAttributeValues={
            ":at": {"S": run.run_at},
            ":w": {"S": bounds},
            ":kind": {"S": "reminder_state"},
        },
    )


def finish_run(run: Run) -> None:
    """The run's windows are covered: the next run starts where they end."""
    reached = {str(w.threshold): {"S": w.until} for w in run.windows}
    succeeded(
        client().update_item,
        TableName=table_name(),
        Key=_STATE,
        UpdateExpression="SET reached = :reached REMOVE running_at, running_windows",
        ConditionExpression="running_at = :at",
        ExpressionAttributeValues={":reached": {"M": reached}, ":at": {"S": run.run_at}},
    )


def _message_key(user_id: str, run_at: str) -> dict[str, Any]:
    return {"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": keys.reminder_sk(run_at)}}


def claim_message(user_id: str, run_at: str, message: Message | None, outcome: str) -> bool:
    """Record this run's message to a learner before sending it (`sending`), or why there is none
    (`skipped: ...`); False when the run already did (a finished run's rerun sends nothing twice)."""
    item: dict[str, Any] = {
        **_message_key(user_id, run_at),
        "kind": {"S": "reminder"},
        "user_id": {"S": user_id},
        "run_at": {"S": run_at},
        "status": {"S": outcome},
    }
    if message is not None:
        item |= {
            "to": {"S": message.to},
            "subject": {"S": message.subject},
            "text": {"S": message.text},
            "credits": {"N": str(message.credits)},
        }
    if outcome == "sending":
        item |= {"work_pk": {"S": keys.WORK_REMINDER_SENDING}, "work_sk": {"S": f"{run_at}#{user_id}"}}
    return succeeded(
        client().put_item, TableName=table_name(), Item=item, ConditionExpression="attribute_not_exists(pk)"
    )


def mark_sent(user_id: str, run_at: str, message_id: str, sent_at: str) -> None:
    client().update_item(
        TableName=table_name(),
        Key=_message_key(user_id, run_at),
        UpdateExpression="SET #s = :sent, message_id = :m, sent_at = :at REMOVE work_pk, work_sk",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":sent": {"S": "sent"}, ":m": {"S": message_id}, ":at": {"S": sent_at}},
    )


def stuck_messages(before: str) -> list[tuple[str, str]]:
    """(user id, run) of messages recorded as `sending` by a run before `before` and never marked sent."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "work",
        "KeyConditionExpression": "work_pk = :w AND work_sk < :b",
        "ExpressionAttributeValues": {":w": {"S": keys.WORK_REMINDER_SENDING}, ":b": {"S": before}},
    }
    found: list[tuple[str, str]] = []
    while True:
        page = client().query(**request)
        found.extend((keys.user_of(i["pk"]["S"]), keys.run_of(i["sk"]["S"])) for i in page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@lru_cache(maxsize=1)
def _ses() -> Any:
    import boto3

    return boto3.client("sesv2", region_name=get_settings().region)


def reset_clients() -> None:
    _ses.cache_clear()


def send(message: Message) -> str:
    """Send one message through SES (v2) from the configured sender; its SES message id."""
    reply = _ses().send_email(
        FromEmailAddress=get_settings().reminder_sender,
        Destination={"ToAddresses": [message.to]},
        Content={
            "Simple": {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
            }
        },
    )
    return str(reply["MessageId"])


def queue_late(credits: list[tuple[str, str]], now_iso: str) -> None:
    """Queue credits for the next run: they entered the expiry index (recorded, or reopened by an
    undone claim) at an instant a finished run's window had already passed."""
    for user_id, credit_id in credits:
        succeeded(
            client().update_item,
            TableName=table_name(),
            Key={"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": keys.credit_sk(credit_id)}},
            UpdateExpression="SET work_pk = :w, work_sk = :s",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":w": {"S": keys.WORK_REMIND_LATE},
                ":s": {"S": f"{now_iso}#{user_id}#{credit_id}"},
            },
        )


def late_credits() -> list[tuple[str, str]]:
    """(user id, credit id) of the credits queued by queue_late."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "work",
        "KeyConditionExpression": "work_pk = :w",
        "ExpressionAttributeValues": {":w": {"S": keys.WORK_REMIND_LATE}},
    }
    found: list[tuple[str, str]] = []
    while True:
        page = client().query(**request)
        found.extend(
            (keys.user_of(i["pk"]["S"]), keys.credit_of(i["sk"]["S"])) for i in page.get("Items", [])
        )
        if not page.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def clear_late(credits: list[tuple[str, str]]) -> None:
    for user_id, credit_id in credits:
        client().update_item(
            TableName=table_name(),
            Key={"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": keys.credit_sk(credit_id)}},
            UpdateExpression="REMOVE work_pk, work_sk",
        )
