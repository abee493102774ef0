"""A faster moto DynamoDB on the local stack (never deployed; the answers are unchanged).

1. Query.

moto answers every Query by first sorting every item of the table (`Table.all_items`), then keeping
the partition's: a Query costs N log N of the whole table. Under a load run that sort was 42 % of
the stack's own CPU (py-spy, 50 learners): the one moto server, not the functions, set the pace.

While a Query runs, this patch hands moto's `query` cheaper candidates from `all_items`, in the
same thread only (a Scan meanwhile still gets the sorted table):

- a Query of the table itself gets its partition's items only (moto keeps them by partition key);
  moto then keeps those of that partition and sorts them by sort key, as before;
- a Query of an index gets every item unsorted: moto sorts the matches itself by the index's keys
  and the table's (unique together), so their order never depended on the table's order.

2. Answers of the item operations. moto writes every answer by walking botocore's model of the
   operation's output, attribute by attribute of every item (a third of moto's CPU under load).
   DynamoDB's items are already in their wire form in moto's results, so for the operations below
   the answer is the result as JSON: bytes in base64 and times as epoch seconds, as the model
   would have them, and absent (None) members left out, as the model's walk leaves them out.

`apply()` is idempotent. tests/e2e/test_localstack_parts.py compares Query's pages, orders and
cursors with and without the patch, and every answer of a claim's whole flow with moto's own
(`checking()`).
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import datetime
import functools
import inspect
import json
import threading
from collections.abc import Iterator
from typing import Any

_state = threading.local()
_applied = False
_originals: list[tuple[Any, str, Any]] = []  # (class, attribute, moto's own) for remove()
# The operations whose answers hold items (and nothing the output model would transform otherwise).
FAST_ANSWERS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
# checking(): (operation, fast answer, moto's answer) of every answer that differed; the operations
# whose answers were compared.
mismatches: list[tuple[str, Any, Any]] = []
compared: list[str] = []


def _wire(value: Any) -> Any:
    """A result as the JSON protocol writes it: no None members, bytes in base64, epoch times."""
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime):
        stamp = calendar.timegm(value.timetuple())
        return stamp + (value.microsecond // 1000) / 1000.0 if value.microsecond else stamp
    return value


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
def checking() -> Iterator[list[tuple[str, Any, Any]]]:
    """Meanwhile, in this thread, every fast answer is also made the slow way and compared; the
    differences are yielded."""
    before = getattr(_state, "checking", False)
    _state.checking = True
    start = len(mismatches)
    found: list[tuple[str, Any, Any]] = []
    try:
        yield found
    finally:
        _state.checking = before
        found.extend(mismatches[start:])


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
    _originals.extend([(Table, "all_items", original_all_items), (Table, "query", original_query)])
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
    _fast_answers()
    _applied = True


def _fast_answers() -> None:
    from moto.core.responses import ActionResult, EmptyResult, PaginatedResult

    original = ActionResult.execute_result
    _originals.append((ActionResult, "execute_result", original))

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        operation = str(context.operation_model.name)
        if (
            getattr(_state, "off", False)
            or type(self) in (PaginatedResult, EmptyResult)
            or context.service_model.service_name != "dynamodb"
            or operation not in FAST_ANSWERS
            or isinstance(self.result, BaseException)
        ):
            return original(self, context)
        serializer = context.serializer_class(operation_model=context.operation_model, pretty_print=False)
        answer = serializer._create_default_response()
        answer["headers"]["Content-Type"] = serializer._get_protocol_specific_content_type()
        result = self.result
        if isinstance(result, dict):  # the output's members only (moto adds some of its own)
            members = context.operation_model.output_shape.members
            result = {key: value for key, value in result.items() if key in members}
        try:
            body = json.dumps(_wire(result))
        except TypeError:  # something that is not in its wire form yet: the model's walk knows it
            return original(self, context)
        if getattr(_state, "checking", False):
            compared.append(operation)
            status, headers, slow = original(self, context)
            fast = (answer["status_code"], dict(answer["headers"]), json.loads(body))
            if (status, dict(headers), json.loads(slow)) != fast:
                mismatches.append((operation, fast, (status, dict(headers), slow)))
        return answer["status_code"], answer["headers"], body

    ActionResult.execute_result = execute_result  # type: ignore[method-assign]


def remove() -> None:
    """moto as it was (the tests that apply the patch in their own process put it back)."""
    global _applied
    while _originals:
        owner, name, original = _originals.pop()
        setattr(owner, name, original)
    _applied = False
