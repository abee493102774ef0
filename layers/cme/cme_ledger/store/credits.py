"""A learner's earned credit: reads by key and in earned order, idempotent recording per source."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from cme_ledger.config import get_settings
from cme_ledger.domain.errors import TransactionCancelled
from cme_ledger.domain.model import Credit
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import succeeded, translated


def credit_of(item: m.Credit) -> Credit:
    return Credit(
        user_id=item.user_id,
        credit_id=item.credit_id,
        course_id=item.course_id,
        topic=item.topic,
        amount=item.amount,
        earned_at=item.earned_at,
        expires_at=item.expires_at,
        source_id=item.source_id,
        recorded_at=item.recorded_at,
        claimed=dict(item.claimed or {}),
        parts=dict(item.parts or {}),
        version=int(item.version or 0),
        indexed=item.expiry_pk is not None,
        expired_at=item.expired_at,
        unclaimed_at_expiry=dict(item.unclaimed_at_expiry) if item.unclaimed_at_expiry is not None else None,
    )


def open_keys(credit: Credit) -> tuple[str, str]:
    """The sort keys of an open credit in the local indexes `open` and `open_by_course`."""
    return keys.credit_sk(credit.credit_id), keys.open_course_sk(credit.course_id, credit.credit_id)


# Every write that takes a credit out of the expiry index takes it out of the open indexes too.
LEAVE_INDEXES = "REMOVE expiry_pk, expiry_sk, open_sk, open_course_sk"


def item_of(credit: Credit) -> m.Credit:
    """The item of a credit; an open (indexed) one carries its expiry index keys."""
    index_pk = index_sk = open_sk = open_course_sk = None
    if credit.indexed:
        index_pk, index_sk = keys.expiry_keys(
            credit.user_id, credit.credit_id, credit.expires_at, get_settings().expiry_shards
        )
        open_sk, open_course_sk = open_keys(credit)
    return m.Credit(
        keys.user_pk(credit.user_id),
        keys.credit_sk(credit.credit_id),
        user_id=credit.user_id,
        credit_id=credit.credit_id,
        course_id=credit.course_id,
        topic=credit.topic,
        amount=credit.amount,
        earned_at=credit.earned_at,
        expires_at=credit.expires_at,
        source_id=credit.source_id,
        recorded_at=credit.recorded_at,
        claimed=dict(credit.claimed),
        parts=dict(credit.parts),
        version=credit.version,
        expiry_pk=index_pk,
        expiry_sk=index_sk,
        open_sk=open_sk,
        open_course_sk=open_course_sk,
        expired_at=credit.expired_at,
        unclaimed_at_expiry=dict(credit.unclaimed_at_expiry)
        if credit.unclaimed_at_expiry is not None
        else None,
    )


def iter_open_credits(
    user_id: str, course_id: str | None = None, after: str | None = None, page_size: int | None = None
) -> Iterator[Credit]:
    """A learner's open credits (unexpired, something left to claim), oldest first, from the sparse
    local index `open` (or, for one course, `open_by_course`): the reads follow what is open, never
    the learner's history. Resumes after credit `after`; `page_size` items per request (None: 1 MB).
    Lazy: stop iterating and no further page is read."""
    pk = keys.user_pk(user_id)
    values: dict[str, Any] = {":pk": {"S": pk}}
    query: dict[str, Any] = {"TableName": table_name(), "ExpressionAttributeValues": values}
    if course_id is None:
        query["IndexName"] = "open"
        query["KeyConditionExpression"] = "pk = :pk AND begins_with(open_sk, :prefix)"
        values[":prefix"] = {"S": keys.CREDIT_PREFIX}
        start = {"open_sk": keys.credit_sk(after)} if after else None
    else:
        query["IndexName"] = "open_by_course"
        query["KeyConditionExpression"] = "pk = :pk AND begins_with(open_course_sk, :prefix)"
        values[":prefix"] = {"S": keys.open_course_prefix(course_id)}
        start = {"open_course_sk": keys.open_course_sk(course_id, after)} if after else None
    if start is not None:
        # An index's start key: the index's keys and the table's.
        query["ExclusiveStartKey"] = {
            "pk": {"S": pk},
            "sk": {"S": keys.credit_sk(after or "")},
            **{name: {"S": value} for name, value in start.items()},
        }
    if page_size is not None:
        query["Limit"] = page_size
    while True:
        page = client().query(**query)
        for raw in page.get("Items", []):
            yield credit_of(m.Credit.from_raw_data(raw))
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_credits(user_id: str, credit_ids: Iterable[str]) -> dict[str, Credit]:
    """The learner's credits among `credit_ids` (ids of other learners are simply absent)."""
    bind()
    wanted = [(keys.user_pk(user_id), keys.credit_sk(cid)) for cid in dict.fromkeys(credit_ids)]
    return {
        item.credit_id: credit_of(item)
        for item in m.Credit.batch_get(wanted, consistent_read=True)
        if isinstance(item, m.Credit)
    }


def get_source_refs(user_source_pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """credit ids already recorded for (user_id, source_id) pairs."""
    bind()
    wanted = [(keys.user_pk(u), keys.source_sk(s)) for u, s in dict.fromkeys(user_source_pairs)]
    return {
        (ref.user_id, ref.source_id): ref.credit_id
        for ref in m.SourceRef.batch_get(wanted, consistent_read=True)
        if isinstance(ref, m.SourceRef)
    }


def create_credit(credit: Credit) -> str | None:
    """Write a credit and its source reference atomically.

    Returns None when created, or the id of the credit already recorded for the same source.
    """
    from pynamodb.transactions import TransactWrite

    bind()
    item = item_of(credit)
    ref = m.SourceRef(
        item.pk,
        keys.source_sk(credit.source_id),
        user_id=credit.user_id,
        source_id=credit.source_id,
        credit_id=credit.credit_id,
    )
    try:
        with translated(), TransactWrite(connection=m.LedgerItem._get_connection().connection) as tx:
            tx.save(ref, condition=m.SourceRef.pk.does_not_exist())
            tx.save(item, condition=m.Credit.pk.does_not_exist())
    except TransactionCancelled:
        existing = get_source_refs([(credit.user_id, credit.source_id)])
        if (credit.user_id, credit.source_id) in existing:
            return existing[(credit.user_id, credit.source_id)]
        raise
    return None


def save_all(credits: Iterable[Credit]) -> None:
    """Write credits in batches, unconditionally (seeding and benchmarks; never on a request path)."""
    bind()
    with m.Credit.batch_write() as batch:
        for credit in credits:
            batch.save(item_of(credit))


def ensure_sweep_start(day: str) -> None:
    """Remember the first day the sweep must look at, once (the day the first credit is recorded)."""
    bind()
    succeeded(
        m.SweepState(keys.SWEEP_PK, keys.SWEEP_SK, next_day=day).save,
        condition=m.SweepState.pk.does_not_exist(),
    )


def reindex(credits: Iterable[Credit]) -> None:
    """Put open credits back into the expiry index (an undone claim had taken them out)."""
    shards = get_settings().expiry_shards
    for credit in credits:
        index_pk, index_sk = keys.expiry_keys(credit.user_id, credit.credit_id, credit.expires_at, shards)
        open_sk, open_course_sk = open_keys(credit)
        succeeded(
            client().update_item,
            TableName=table_name(),
            Key=_key(credit),
            UpdateExpression="SET expiry_pk = :p, expiry_sk = :s, open_sk = :o, open_course_sk = :c",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(expired_at)",
            ExpressionAttributeValues={
                ":p": {"S": index_pk},
                ":s": {"S": index_sk},
                ":o": {"S": open_sk},
                ":c": {"S": open_course_sk},
            },
        )


def expire_unindexed(credit: Credit, unclaimed: dict[str, Decimal], now_iso: str) -> bool:
    """Mark a credit out of the expiry index expired (an undone claim had filled it); False when it
    is back in the index, already expired, or not due."""
    return succeeded(
        client().update_item,
        TableName=table_name(),
        Key=_key(credit),
        UpdateExpression="SET expired_at = :now, unclaimed_at_expiry = :left",
        ConditionExpression=(
            "attribute_exists(pk) AND attribute_not_exists(expired_at)"
            " AND attribute_not_exists(expiry_pk) AND expires_at <= :now"
        ),
        ExpressionAttributeValues={
            ":now": {"S": now_iso},
            ":left": {"M": {code: {"N": str(value)} for code, value in unclaimed.items()}},
        },
    )


def _key(credit: Credit) -> dict[str, Any]:
    return {"pk": {"S": keys.user_pk(credit.user_id)}, "sk": {"S": keys.credit_sk(credit.credit_id)}}
