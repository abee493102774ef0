"""A workaround for moto, applied by the local stack and the tests (never deployed).

moto's DynamoDB transact_write_items backs up the whole table once per item of the transaction
(100 deep copies of the table for a 100-item transaction), which makes multi-transaction claims
quadratic in the table size. The patched method backs up each table once per transaction, which
keeps moto's all-or-nothing rollback exactly as it is.

moto also rolls a failed transaction back by restoring that table snapshot, which silently undoes
any write another thread made meanwhile (its threaded server runs requests in parallel). DynamoDB
serializes transactions with the writes they touch; here every write to the backend takes one lock.
"""

from __future__ import annotations

import functools
import inspect
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


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend

    source = textwrap.dedent(inspect.getsource(DynamoDBBackend.transact_write_items))
    needle = "if table_name and table_name in self.tables:"
    if needle in source:  # a moto that no longer needs (or no longer fits) the patch is left as is
        source = source.replace(
            needle, "if table_name and table_name in self.tables and table_name not in original_table_state:"
        )
        module = inspect.getmodule(DynamoDBBackend)
        namespace: dict[str, object] = {}
        code = compile(source, inspect.getsourcefile(DynamoDBBackend) or "moto", "exec")
        exec(code, vars(module), namespace)  # noqa: S102 - moto's own method, one condition changed
        DynamoDBBackend.transact_write_items = namespace["transact_write_items"]  # type: ignore[method-assign,assignment]
    for name in WRITES:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    _applied = True
