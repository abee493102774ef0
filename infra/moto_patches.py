"""A workaround for moto, applied by the local stack and the tests (never deployed).

moto's DynamoDB transact_write_items backs up the whole table once per item of the transaction
(100 deep copies of the table for a 100-item transaction), which makes multi-transaction claims
quadratic in the table size. The patched method backs up each table once per transaction, which
keeps moto's all-or-nothing rollback exactly as it is.
"""

from __future__ import annotations

import inspect
import textwrap

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend

    source = textwrap.dedent(inspect.getsource(DynamoDBBackend.transact_write_items))
    needle = "if table_name and table_name in self.tables:"
    if needle not in source:  # a moto that no longer needs (or no longer fits) the patch
        _applied = True
        return
    source = source.replace(
        needle, "if table_name and table_name in self.tables and table_name not in original_table_state:"
    )
    module = inspect.getmodule(DynamoDBBackend)
    namespace: dict[str, object] = {}
    exec(compile(source, inspect.getsourcefile(DynamoDBBackend) or "moto", "exec"), vars(module), namespace)  # noqa: S102
    DynamoDBBackend.transact_write_items = namespace["transact_write_items"]  # type: ignore[method-assign]
    _applied = True
