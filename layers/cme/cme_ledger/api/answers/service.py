"""Answers about the service itself: liveness and the OpenAPI document (API.md, "Public")."""

from typing import Any, Literal

from pydantic import ConfigDict

from cme_ledger.api.answers import Answer


class Health(Answer):
    status: Literal["ok"]


class OpenApiDocument(Answer):
    """The OpenAPI 3.1 document (its own schema is OpenAPI's)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
