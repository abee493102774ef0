"""A faster Query for moto's DynamoDB on the local stack (never deployed; the answers are unchanged).

moto answers every Query by first sorting every item of the table (`Table.all_items`), then keeping
the partition's: a Query costs N log N of the whole table. Under a load run that sort was 42 % of
the stack's own CPU (py-spy, 50 learners): the one moto server, not the functions, set the pace.

While a Query runs, this patch hands moto's `query` cheaper candidates from `all_items`, in the
same thread only (a Scan meanwhile still gets the sorted table):

- a Query of the table itself gets its partition's items only (moto keeps them by partition key);
  moto then keeps those of that partition and sorts them by sort key, as before;
- a Query of an index gets every item unsorted: moto sorts the matches itself by the index's keys
  and the table's (unique together), so their order never depended on the table's order.

`apply()` is idempotent; tests/e2e/test_localstack_parts.py compares pages, orders and cursors with
and without it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Iterator
from typing import Any

_state = threading.local()
_applied = False


def _candidates(table: Any, original: Any) -> list[Any]:
    query = getattr(_state, "query", None)
    if query is None or query[0] is not table:
        return list(original(table))
    _, index_name, hash_key = query
    if index_name is None and table.range_key_attr and hash_key is not None:
        bucket = table.items.get(hash_key)  # .get: items is a defaultdict, and must not grow here
        return list(bucket.values()) if bucket else []
    if table.range_key_attr:
        return [item for bucket in table.items.values() for item in bucket.values()]
    return list(table.items.values())


@contextlib.contextmanager
def unpatched() -> Iterator[None]:
    """moto's own Query in this thread meanwhile (to compare answers)."""
    before = getattr(_state, "off", False)
    _state.off = True
    try:
        yield
    finally:
        _state.off = before


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models.table import Table

    original_all_items = Table.all_items
    original_query = Table.query
    signature = inspect.signature(original_query)

    @functools.wraps(original_all_items)
    def all_items(self: Any) -> list[Any]:
        return _candidates(self, original_all_items)

    @functools.wraps(original_query)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_state, "off", False):
            return original_query(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        outer = getattr(_state, "query", None)
        _state.query = (self, bound.arguments.get("index_name"), bound.arguments.get("hash_key"))
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _state.query = outer

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    _applied = True
