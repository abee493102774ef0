"""The one place DynamoDB's refusals are recognised and turned into the domain's Conflict and
TransactionCancelled (botocore's ClientError and pynamodb's wrappers of it alike)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException

from cme_ledger.domain.errors import Conflict, TransactionCancelled

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELLED = "TransactionCanceledException"


def _code_and_response(exc: BaseException) -> tuple[str | None, dict[str, Any]]:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code"), dict(exc.response)
    if isinstance(exc, PynamoDBException):
        cause = exc.cause
        response = dict(cause.response) if isinstance(cause, ClientError) else {}
        return exc.cause_response_code, response
    return None, {}


def _reasons(response: dict[str, Any]) -> list[str | None]:
    return [
        (r.get("Code") if r.get("Code") not in (None, "None") else None)
        for r in response.get("CancellationReasons") or []
    ]


@contextmanager
def translated() -> Iterator[None]:
    """Run DynamoDB calls; a refused condition raises Conflict, a cancelled transaction
    TransactionCancelled with its reasons. Anything else propagates as it is."""
    try:
        yield
    except (ClientError, PynamoDBException) as exc:
        code, response = _code_and_response(exc)
        if code == CONDITION_FAILED:
            raise Conflict(str(exc)) from exc
        if code == TRANSACTION_CANCELLED:
            raise TransactionCancelled(_reasons(response)) from exc
        raise


def succeeded(write: Any, *args: Any, **kwargs: Any) -> bool:
    """Run one conditional write; False when its condition was refused."""
    try:
        with translated():
            write(*args, **kwargs)
    except Conflict:
        return False
    return True
