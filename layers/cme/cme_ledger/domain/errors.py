"""Every refusal the domain can give: one type per refusal, mapped to HTTP in one place (api.errors)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of all refusals. `details` follows API.md's error envelope."""

    code = "error"
    message = "The request was refused."

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or []


class Unauthorized(DomainError):
    code = "unauthorized"
    message = "A valid bearer token is required."


class Forbidden(DomainError):
    code = "forbidden"
    message = "This route needs the admin group."


class NotFound(DomainError):
    code = "not_found"
    message = "Not found."


class InvalidInput(DomainError):
    """Input that is well-formed JSON but breaks a rule (422 validation_error)."""

    code = "validation_error"
    message = "The request is not valid."


class MembershipRequired(DomainError):
    code = "membership_required"
    message = "Claiming credit needs an active premium membership."


class BoardIdRequired(DomainError):
    code = "board_id_required"
    message = "ABP MOC Part 2 claims need the ABP ID, birth month/day, first and last name on the profile."


class NothingToClaim(DomainError):
    code = "nothing_to_claim"
    message = "There is no claimable credit of this type."


class CreditsUnavailable(DomainError):
    code = "credits_unavailable"
    message = "Some credits cannot be claimed as asked."


class IdempotencyKeyMismatch(DomainError):
    code = "idempotency_key_mismatch"
    message = "This Idempotency-Key was used with another request body."


class RequestInProgress(DomainError):
    code = "request_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly."


class CertificateNotReady(DomainError):
    code = "certificate_not_ready"
    message = "The certificate is still being prepared."


class EvaluationExists(DomainError):
    code = "evaluation_exists"
    message = "An evaluation was already submitted for this claim."


# ----------------------------------------------------------------------------- storage outcomes
# Raised by the store (which recognises DynamoDB's failures in one place) and decided on by the
# services; never an answer to a request by themselves.


class Conflict(Exception):
    """A conditional write found the item not as it expected (someone else changed it first)."""


class TransactionCancelled(Exception):
    """A transaction was cancelled; `reasons` has one entry per item, in order (None: no problem
    with that item, "ConditionalCheckFailed", "TransactionConflict", ...), or is empty when the
    service did not say."""

    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(", ".join(str(r) for r in reasons))
        self.reasons = reasons

    def failed(self, code: str = "ConditionalCheckFailed") -> list[int]:
        """Positions of the items that failed with `code`."""
        return [i for i, reason in enumerate(self.reasons) if reason == code]
