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


def is_condition_failure(exc: BaseException) -> bool:
    """A write refused by its ConditionExpression (botocore's ClientError or pynamodb's wrapper)."""
    code = getattr(exc, "cause_response_code", None)
    if code is None and hasattr(exc, "response"):
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"
