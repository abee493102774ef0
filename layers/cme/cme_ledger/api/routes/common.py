"""Pieces the routers share: the pagination parameters and the page of a listing."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from cme_ledger.api import cursor as cursors

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1..200)")]
Cursor = Annotated[str | None, Query(description="Opaque cursor from next_cursor")]


def page(
    items: list[dict[str, Any]], user_id: str, listing: str, position: dict[str, str] | None
) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursors.encode(user_id, listing, position) if position else None}
