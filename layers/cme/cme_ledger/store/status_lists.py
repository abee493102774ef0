"""Revocation status lists in the table: positions reserved once, revoked bits, the last signed JWT.

Items (keys in store/keys.py): `STATUSLIST / CURRENT` names the list taking new credentials;
`STATUSLIST#{id} / LIST` holds a list's assigned count, its set bits (a number set), its version
(+1 per revocation) and the JWT signed for a version; `STATUSLIST#{id} / POS#{n}` marks position n
taken (by a certificate code). A certificate's credential record (`CODE#{code} / CREDENTIAL`) is
written in the same transaction as its position, so no position is ever taken without its record,
and a record never names a position that another record has.

A revocation is one transaction too: the code item gets its reason and time (condition: not
revoked yet, so revoking twice changes nothing), the list's bit is set and its version raised (it
joins the `work` index until a JWT of that version is stored), and the claim lists the revocation.
"""

from __future__ import annotations

from typing import Any

from cme_ledger.domain.errors import TransactionCancelled
from cme_ledger.domain.model import CredentialInfo, Revocation, StatusListState
from cme_ledger.domain.status_lists import FILL_LIMIT
from cme_ledger.store import keys
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import succeeded, translated
from cme_ledger.store.models import CredentialRecord, StatusList, StatusListPointer

RESERVED, TAKEN, FULL, EXISTS = "reserved", "taken", "full", "exists"


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def current_list() -> str | None:
    """The list new credentials go to (None before the first)."""
    bind()
    try:
        return str(
            StatusListPointer.get(keys.STATUS_LISTS_PK, keys.CURRENT_LIST_SK, consistent_read=True).list_id
        )
    except StatusListPointer.DoesNotExist:
        return None


def open_list(previous: str | None, new_id: str, now: str) -> str:
    """Make `new_id` the current list, unless the pointer moved from `previous` meanwhile; the
    current list either way (of two processes opening a list at once, one wins)."""
    name = table_name()
    pointer_condition = "attribute_not_exists(pk)" if previous is None else "list_id = :previous"
    values: dict[str, Any] = {
        ":new": {"S": new_id},
        ":now": {"S": now},
        ":kind": {"S": "status_list_pointer"},
    }
    if previous is not None:
        values[":previous"] = {"S": previous}
    items = [
        {
            "Put": {
                "TableName": name,
                "Item": StatusList(
                    keys.status_list_pk(new_id), keys.STATUS_LIST_SK, list_id=new_id, created_at=now
                ).serialize(),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.STATUS_LISTS_PK, keys.CURRENT_LIST_SK),
                "UpdateExpression": "SET list_id = :new, updated_at = :now, kind = :kind",
                "ConditionExpression": pointer_condition,
                "ExpressionAttributeValues": values,
            }
        },
    ]
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled:
        pass
    found = current_list()
    if found is None:
        raise RuntimeError("no current status list after opening one")
    return found


def reserve(info: CredentialInfo, now: str) -> str:
    """Take `info.position` in `info.list_id` for `info.code` and write its credential record.

    RESERVED; TAKEN (another code has that position: draw again); FULL (the list holds FILL_LIMIT
    positions: open another); EXISTS (the code has its record already: read it).
    """
    name = table_name()
    record = CredentialRecord(
        keys.code_pk(info.code),
        keys.CREDENTIAL_SK,
        code=info.code,
        user_id=info.user_id,
        claim_id=info.claim_id,
        course_id=info.course_id,
        list_id=info.list_id,
        position=info.position,
        reserved_at=now,
    )
    position = {
        "pk": {"S": keys.status_list_pk(info.list_id)},
        "sk": {"S": keys.status_position_sk(info.position)},
        "kind": {"S": "status_position"},
        "list_id": {"S": info.list_id},
        "position": {"N": str(info.position)},
        "code": {"S": info.code},
    }
    items = [
        {"Put": {"TableName": name, "Item": position, "ConditionExpression": "attribute_not_exists(pk)"}},
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.status_list_pk(info.list_id), keys.STATUS_LIST_SK),
                "UpdateExpression": "SET assigned = assigned + :one",
                "ConditionExpression": "attribute_exists(pk) AND assigned < :limit",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(FILL_LIMIT)}},
            }
        },
        {
            "Put": {
                "TableName": name,
                "Item": record.serialize(),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled as cancelled:
        reasons = list(cancelled.reasons) + [None] * 3
        if reasons[2] == "ConditionalCheckFailed":
            return EXISTS
        if reasons[1] == "ConditionalCheckFailed":
            return FULL
        if reasons[0] == "ConditionalCheckFailed":
            return TAKEN
        raise
    return RESERVED


def _state(item: StatusList) -> StatusListState:
    return StatusListState(
        list_id=item.list_id,
        assigned=int(item.assigned or 0),
        revoked=frozenset(int(p) for p in (item.revoked or ())),
        version=int(item.version or 0),
        signed_version=int(item.signed_version) if item.signed_version is not None else None,
        signed_jwt=item.signed_jwt,
        signed_at=item.signed_at,
    )


def get_list(list_id: str, consistent: bool = True) -> StatusListState | None:
    bind()
    try:
        item = StatusList.get(keys.status_list_pk(list_id), keys.STATUS_LIST_SK, consistent_read=consistent)
    except StatusList.DoesNotExist:
        return None
    return _state(item)


def revoke(info: CredentialInfo, revocation: Revocation) -> bool:
    """Record a revocation (code item, list bit and version, the claim's list) in one transaction.

    False when the code was revoked already (nothing changes: the first revocation stands).
    """
    name = table_name()
    entry = {
        "M": {
            "code": {"S": revocation.code},
            "reason": {"S": revocation.reason},
            "revoked_at": {"S": revocation.revoked_at},
        }
    }
    items = [
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.code_pk(revocation.code), keys.CODE_SK),
                "UpdateExpression": "SET revoked_at = :at, revoked_reason = :reason",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                "ExpressionAttributeValues": {
                    ":at": {"S": revocation.revoked_at},
                    ":reason": {"S": revocation.reason},
                },
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.status_list_pk(info.list_id), keys.STATUS_LIST_SK),
                "UpdateExpression": "ADD revoked :bit, version :one SET work_pk = :work, work_sk = :since",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {
                    ":bit": {"NS": [str(info.position)]},
                    ":one": {"N": "1"},
                    ":work": {"S": keys.WORK_STATUS_LIST},
                    ":since": {"S": keys.status_list_work_sk(revocation.revoked_at, info.list_id)},
                },
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": _key(keys.user_pk(info.user_id), keys.claim_sk(info.claim_id)),
                "UpdateExpression": "SET revocations = list_append(if_not_exists(revocations, :none), :entry)",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":none": {"L": []}, ":entry": {"L": [entry]}},
            }
        },
    ]
    try:
        with translated():
            client().transact_write_items(TransactItems=items)
    except TransactionCancelled as cancelled:
        if cancelled.reasons and cancelled.reasons[0] == "ConditionalCheckFailed":
            return False
        raise
    return True


def store_signed(list_id: str, version: int, jwt: str, signed_at: str) -> bool:
    """Keep `jwt` as the list's signed version `version`, unless a newer one is stored already; the
    list leaves the work index when that version is its latest. False: a newer one was there."""
    bind()
    item = StatusList(keys.status_list_pk(list_id), keys.STATUS_LIST_SK)
    stored = succeeded(
        item.update,
        actions=[
            StatusList.signed_version.set(version),
            StatusList.signed_jwt.set(jwt),
            StatusList.signed_at.set(signed_at),
        ],
        condition=StatusList.pk.exists()
        & (StatusList.signed_version.does_not_exist() | (StatusList.signed_version < version)),
    )
    # Out of the work index only if no revocation came after the version just signed.
    succeeded(
        item.update,
        actions=[StatusList.work_pk.remove(), StatusList.work_sk.remove()],
        condition=(StatusList.version == version) & (StatusList.signed_version == version),
    )
    return stored


def lists_to_sign(changed_before: str, limit: int = 100) -> list[str]:
    """Lists revoked in before `changed_before` whose latest version has no signed JWT yet."""
    reply = client().query(
        TableName=table_name(),
        IndexName="work",
        KeyConditionExpression="work_pk = :p AND work_sk < :b",
        ExpressionAttributeValues={":p": {"S": keys.WORK_STATUS_LIST}, ":b": {"S": changed_before}},
        Limit=limit,
    )
    return [item["pk"]["S"].removeprefix(keys.status_list_pk("")) for item in reply.get("Items", [])]
