"""Binding the models to the configured table, and the raw client for multi-item transactions."""

from __future__ import annotations

import threading
from typing import Any

from cme_ledger.config import get_settings
from cme_ledger.store.models import LedgerItem

_bound: tuple[str, str] | None = None
_lock = threading.Lock()


def bind() -> None:
    """Point the models at the configured table (first use; again when the settings change)."""
    global _bound
    settings = get_settings()
    wanted = (settings.table_name, settings.region)
    if _bound == wanted:
        return
    with _lock:
        LedgerItem.Meta.table_name = settings.table_name
        LedgerItem.Meta.region = settings.region
        for model in _all_models(LedgerItem):
            model._connection = None  # type: ignore[attr-defined]
        _bound = wanted


def unbind() -> None:
    """Forget the binding and the models' connections (runtime.reset)."""
    global _bound
    with _lock:
        for model in _all_models(LedgerItem):
            model._connection = None  # type: ignore[attr-defined]
        _bound = None


def _all_models(root: type) -> list[type]:
    found: list[type] = [root]
    subclasses: list[type] = root.__subclasses__()
    for sub in subclasses:
        found.extend(_all_models(sub))
    return found


def client() -> Any:
    """The botocore DynamoDB client pynamodb uses (per thread), for transactions with raw expressions."""
    bind()
    return LedgerItem._get_connection().connection.client


def table_name() -> str:
    bind()
    return LedgerItem.Meta.table_name


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A raw DynamoDB item as plain Python (numbers as Decimal): the one decoder of raw items read
    through the client (an index projection, a partial read) that no pynamodb model describes."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}
