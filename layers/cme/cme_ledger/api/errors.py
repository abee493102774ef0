"""The one table from domain refusals to HTTP status codes, and the error envelope of API.md."""

from __future__ import annotations

from typing import Any

from cme_ledger.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.MembershipRequired: 403,
    e.NotFound: 404,
    e.InvalidInput: 422,
    e.BoardIdRequired: 422,
    e.CreditsUnavailable: 409,
    e.NothingToClaim: 409,
    e.IdempotencyKeyMismatch: 409,
    e.RequestInProgress: 409,
    e.CertificateNotReady: 409,
    e.EvaluationExists: 409,
}


def status_of(error: e.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def envelope(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def error_body(error: e.DomainError) -> dict[str, Any]:
    return envelope(error.code, error.message, error.details)
