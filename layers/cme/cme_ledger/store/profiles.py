"""Learner profiles: read whole, written field by field (never a read-modify-write of the item)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cme_ledger.domain.errors import Conflict
from cme_ledger.domain.model import Profile
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.failures import translated


def profile_of(item: m.Profile) -> Profile:
    raw = item.board_ids
    boards = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
    return Profile(
        user_id=item.user_id,
        display_name=item.display_name or None,
        degree=item.degree,
        first_name=item.first_name,
        last_name=item.last_name,
        board_ids={str(k): str(v) for k, v in boards.items()},
        birth_month_day=item.birth_month_day,
        premium_until=item.premium_until,
        time_zone=item.time_zone,
        reminders=item.reminders is not False,
        email=item.email,
    )


def get_profiles(user_ids: Iterable[str]) -> dict[str, Profile]:
    """Profiles by user id (consistent batch reads); learners without one are simply absent."""
    bind()
    wanted = [(keys.user_pk(u), keys.profile_sk()) for u in dict.fromkeys(user_ids)]
    return {
        item.user_id: profile_of(item)
        for item in m.Profile.batch_get(wanted, consistent_read=True)
        if isinstance(item, m.Profile)
    }


def get_profile(user_id: str) -> Profile | None:
    bind()
    try:
        return profile_of(m.Profile.get(keys.user_pk(user_id), keys.profile_sk()))
    except m.Profile.DoesNotExist:
        return None


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
    fields: dict[str, str | bool | None],
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
        update.set(("open_sk",), {"S": keys.OPEN_PROFILE})  # read with the open credits (index `open`)
        for name, value in fields.items():
            if value is None:
                update.remove((name,))
            elif isinstance(value, bool):
                update.set((name,), {"BOOL": value})
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

    request = {
        "TableName": table_name(),
        "Key": {"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": keys.profile_sk()}},
        "ReturnValues": "ALL_NEW",
    }
    if clear_boards or not boards:
        reply = client().update_item(**request, **build("keep").request())
        return profile_of(m.Profile.from_raw_data(reply["Attributes"]))
    # A nested path needs its map. Every write that creates a profile creates the map too, so only
    # a profile stored before that rule takes the second branch, once.
    for _attempt in range(3):
        for boards_as, condition in (
            ("paths", "attribute_exists(board_ids)"),
            ("map", "attribute_not_exists(board_ids)"),
        ):
            try:
                with translated():
                    reply = client().update_item(
                        **request, ConditionExpression=condition, **build(boards_as).request()
                    )
            except Conflict:
                continue
            return profile_of(m.Profile.from_raw_data(reply["Attributes"]))
    raise RuntimeError(f"the board ids of {user_id} kept changing")
