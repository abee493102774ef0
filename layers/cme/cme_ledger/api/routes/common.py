"""Pieces the routers share: documented error responses and the pagination parameters."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from cme_ledger.api import cursor as cursors

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}

_DESCRIPTIONS = {
    400: "malformed_json",
    401: "unauthorized",
    403: "forbidden or membership_required",
    404: "not_found",
    409: "conflict (see API.md for the codes of this route)",
    422: "validation_error",
}


def refusals(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` entries, in the error envelope, for the given statuses."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, "refused"),
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        for status in statuses
    }


Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1..200)")]
Cursor = Annotated[str | None, Query(description="Opaque cursor from next_cursor")]


def page(
    items: list[dict[str, Any]], user_id: str, listing: str, position: dict[str, str] | None
) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursors.encode(user_id, listing, position) if position else None}
