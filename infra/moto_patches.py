"""Workarounds for moto, applied by the local stack and the tests (never deployed).

1. moto's DynamoDB transact_write_items backs up the whole table once per item of the transaction
   (100 deep copies of the table for a 100-item transaction), which makes multi-transaction claims
   quadratic in the table size. The patched method backs up only the items the transaction names
   and restores exactly those when it is cancelled: the same all-or-nothing outcome.
2. moto rolls a failed transaction back by restoring a table snapshot, which silently undoes any
   write another thread made meanwhile (its threaded server runs requests in parallel). DynamoDB
   serializes transactions with the writes they touch; here every write to the backend takes one
   lock, which is at least as strict.
3. moto's DynamoDB parses each update and condition expression once and validates updates without
   repeating what does not depend on the item (infra/moto_expressions.py: a claim of 5,000 credit
   updates spent 50 s there), with moto's own answers and errors.
4. moto's KMS signs a MessageType DIGEST message as AWS does (infra/moto_kms.py), so credentials
   signed on the local stack verify with any JWS library.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
import textwrap
import threading
from collections.abc import Callable
from typing import Any

_applied = False
_write_lock = threading.RLock()
WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _write_lock:
            return method(*args, **kwargs)

    return locked


def _item_backups(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    backups = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        key = op.get("Key") or op.get("Item") or {}
        if table is None or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        if table.has_range_key:
            if table.range_key_attr not in key:
                continue
            range_value = DynamoType(key[table.range_key_attr])
            existing = table.items.get(hash_value, {}).get(range_value)
        else:
            range_value = None
            existing = table.items.get(hash_value)
        backups.append((table, hash_value, range_value, copy.deepcopy(existing)))
    return backups


def _restore(backups: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_value, range_value, item in reversed(backups):
        if table.has_range_key:
            bucket = table.items[hash_value]
            if item is None:
                bucket.pop(range_value, None)
                if not bucket:
                    table.items.pop(hash_value, None)
            else:
                bucket[range_value] = item
        elif item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend

    from infra import moto_expressions, moto_kms

    moto_kms.apply()
    moto_expressions.apply()

    source = textwrap.dedent(inspect.getsource(DynamoDBBackend.transact_write_items))
    table_copy = re.compile(r"copy\.deepcopy\(\s*self\.tables\[table_name\]\s*\)")
    if table_copy.search(source):  # a moto that no longer fits the patch keeps its own method
        source = table_copy.sub("self.tables[table_name]", source)
        module = inspect.getmodule(DynamoDBBackend)
        namespace: dict[str, Any] = {}
        code = compile(source, inspect.getsourcefile(DynamoDBBackend) or "moto", "exec")
        exec(code, vars(module), namespace)  # noqa: S102 - moto's own method without the table copy
        without_table_copy = namespace["transact_write_items"]

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            backups = _item_backups(self, transact_items)
            try:
                without_table_copy(self, transact_items)
            except Exception:
                _restore(backups)
                raise

        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name in WRITES:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    _applied = True
