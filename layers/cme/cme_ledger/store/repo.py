"""Repositories for profiles, courses and credits: reads and writes that need no multi-step protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from cme_ledger.store import keys
from cme_ledger.store.db import bind, client, is_condition_failure, table_name
from cme_ledger.store.models import Course, Credit, LedgerItem, Profile, SourceRef, SweepState

# ----------------------------------------------------------------------------- profiles


def get_profile(user_id: str) -> Profile | None:
    bind()
    try:
        return Profile.get(keys.user_pk(user_id), keys.profile_sk())
    except Profile.DoesNotExist:
        return None


def new_profile(user_id: str) -> Profile:
    return Profile(keys.user_pk(user_id), keys.profile_sk(), user_id=user_id)


class _Update:
    """An UpdateExpression with its placeholders (names and values used are exactly those given)."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.removes: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, *path: str) -> str:
        placeholders = []
        for part in path:
            key = f"#n{len(self.names)}"
            self.names[key] = part
            placeholders.append(key)
        return ".".join(placeholders)

    def value(self, value: Any) -> str:
        key = f":v{len(self.values)}"
        self.values[key] = value
        return key

    def set(self, path: tuple[str, ...], value: Any) -> None:
        self.sets.append(f"{self.name(*path)} = {self.value(value)}")

    def set_if_absent(self, path: tuple[str, ...], value: Any) -> None:
        target = self.name(*path)
        self.sets.append(f"{target} = if_not_exists({target}, {self.value(value)})")

    def remove(self, path: tuple[str, ...]) -> None:
        self.removes.append(self.name(*path))

    def request(self) -> dict[str, Any]:
        expression = "SET " + ", ".join(self.sets)
        if self.removes:
            expression += " REMOVE " + ", ".join(self.removes)
        return {
            "UpdateExpression": expression,
            "ExpressionAttributeNames": self.names,
            "ExpressionAttributeValues": self.values,
        }


def update_profile(
    user_id: str,
    fields: dict[str, str | None],
    boards: dict[str, str | None] | None = None,
    *,
    clear_boards: bool = False,
) -> Profile:
    """Write only the given fields of a profile (None removes one), creating it when absent.

    One UpdateItem, never a read-modify-write of the whole item: a membership change (or any
    other field) written meanwhile by someone else is kept. Board ids merge per board; with
    `clear_boards` every board id goes. Returns the profile as stored afterwards.
    """
    bind()

    def build(boards_as: str) -> _Update:
        update = _Update()
        update.set_if_absent(("kind",), {"S": "profile"})
        update.set(("user_id",), {"S": user_id})
        for name, value in fields.items():
            if value is None:
                update.remove((name,))
            else:
                update.set((name,), {"S": value})
        given = boards or {}
        if clear_boards:
            update.set(("board_ids",), {"M": {}})
        elif boards_as == "paths":
            for board, value in given.items():
                if value is None:
                    update.remove(("board_ids", board))
                else:
                    update.set(("board_ids", board), {"S": value})
        elif boards_as == "map":
            kept = {board: {"S": value} for board, value in given.items() if value is not None}
            update.set(("board_ids",), {"M": kept})
        else:
            update.set_if_absent(("board_ids",), {"M": {}})
        return update

    key = {"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": keys.profile_sk()}}
    name = table_name()
    if clear_boards or not boards:
        reply = client().update_item(
            TableName=name, Key=key, ReturnValues="ALL_NEW", **build("keep").request()
        )
        return Profile.from_raw_data(reply["Attributes"])
    # A nested path needs its map. Every write that creates a profile creates the map too, so only
    # a profile stored before that rule takes the second branch, once.
    for _attempt in range(3):
        for boards_as, condition in (
            ("paths", "attribute_exists(board_ids)"),
            ("map", "attribute_not_exists(board_ids)"),
        ):
            try:
                reply = client().update_item(
                    TableName=name,
                    Key=key,
                    ReturnValues="ALL_NEW",
                    ConditionExpression=condition,
                    **build(boards_as).request(),
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    continue
                raise
            return Profile.from_raw_data(reply["Attributes"])
    raise RuntimeError(f"the board ids of {user_id} kept changing")


def set_premium_until(user_id: str, premium_until: str | None) -> Profile:
    """Set membership without touching the rest of the profile (creating it when absent)."""
    return update_profile(user_id, {"premium_until": premium_until})


# ----------------------------------------------------------------------------- courses


def get_course(course_id: str) -> Course | None:
    bind()
    try:
        return Course.get(keys.CATALOG, keys.course_sk(course_id))
    except Course.DoesNotExist:
        return None


def list_courses() -> list[Course]:
    bind()
    return list(Course.query(keys.CATALOG, Course.sk.startswith("COURSE#")))


def save_course(course: Course) -> None:
    bind()
    course.pk, course.sk = keys.CATALOG, keys.course_sk(course.course_id)
    course.save()


# ----------------------------------------------------------------------------- credits


def iter_credits(user_id: str, after_sk: str | None = None, page_size: int = 200) -> Iterator[Credit]:
    """A learner's credits in credit-id order (= earned_at order), resuming after `after_sk`."""
    bind()
    yield from Credit.query(
        keys.user_pk(user_id),
        Credit.sk.startswith(keys.CREDIT_PREFIX),
        last_evaluated_key={"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": after_sk}} if after_sk else None,
        page_size=page_size,
    )


def get_credits(user_id: str, credit_ids: Iterable[str]) -> dict[str, Credit]:
    """The learner's credits among `credit_ids` (ids of other learners are simply absent)."""
    bind()
    wanted = [(keys.user_pk(user_id), keys.credit_sk(cid)) for cid in dict.fromkeys(credit_ids)]
    found: dict[str, Credit] = {}
    for item in Credit.batch_get(wanted, consistent_read=True):
        if isinstance(item, Credit):
            found[item.credit_id] = item
    return found


def get_source_refs(user_source_pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """credit ids already recorded for (user_id, source_id) pairs."""
    bind()
    wanted = [(keys.user_pk(u), keys.source_sk(s)) for u, s in dict.fromkeys(user_source_pairs)]
    return {
        (ref.user_id, ref.source_id): ref.credit_id
        for ref in SourceRef.batch_get(wanted, consistent_read=True)
        if isinstance(ref, SourceRef)
    }


def new_credit(**attributes: Any) -> Credit:
    credit = Credit(
        keys.user_pk(attributes["user_id"]), keys.credit_sk(attributes["credit_id"]), **attributes
    )
    return credit


def create_credit(credit: Credit) -> str | None:
    """Write a credit and its source reference atomically.

    Returns None when created, or the id of the credit already recorded for the same source.
    """
    bind()
    ref = SourceRef(
        credit.pk,
        keys.source_sk(credit.source_id),
        user_id=credit.user_id,
        source_id=credit.source_id,
        credit_id=credit.credit_id,
    )
    try:
        with TransactWrite(connection=LedgerItem._get_connection().connection) as tx:
            tx.save(ref, condition=SourceRef.pk.does_not_exist())
            tx.save(credit, condition=Credit.pk.does_not_exist())
    except TransactWriteError:
        existing = get_source_refs([(credit.user_id, credit.source_id)])
        if (credit.user_id, credit.source_id) in existing:
            return existing[(credit.user_id, credit.source_id)]
        raise
    return None


def ensure_sweep_start(day: str) -> None:
    """Remember the first day the sweep must look at, once (the day the first credit is recorded)."""
    bind()
    try:
        SweepState(keys.SWEEP_PK, keys.SWEEP_SK, next_day=day).save(condition=SweepState.pk.does_not_exist())
    except PutError as exc:
        if not is_condition_failure(exc):
            raise


__all__ = [
    "client",
    "create_credit",
    "ensure_sweep_start",
    "get_course",
    "get_credits",
    "get_profile",
    "get_source_refs",
    "iter_credits",
    "list_courses",
    "new_credit",
    "new_profile",
    "save_course",
    "set_premium_until",
    "table_name",
    "update_profile",
]
