"""API.md's answers as typed output models: each JSON shape is written once, here.

The OpenAPI document's components are these models' JSON Schemas under their class names (`Claim`,
`Credit`, `Profile`, `Error`, ...), and every answer is serialised through its model (`Answer.text`):
validated, its fields in the model's order and no others, only those the data set. The domain's
views build the plain data; nothing in the api layer restates a shape. An answer that drifts from
its model is a failure in the tests (every route is driven there), never an undocumented field.

Strict on purpose (no unknown field, every field API.md names required, nullable only where it
says `|null`): schemathesis checks every answer of the local stack against the document.

Cold start: the models are defined with `defer_build` (a function builds the validators of the
answers it gives, on first use), and each routes module imports only the answer modules it needs.
"""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from cme_ledger.api import jsonio


class Answer(BaseModel):
    """The base of every answer model."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    @classmethod
    def text(cls, data: Any) -> str:
        """`data` (plain data or an instance) as this answer's JSON text, amounts with their exact digits."""
        answer = data if isinstance(data, cls) else cls.model_validate(data)
        return jsonio.dumps(answer.model_dump(by_alias=True, exclude_unset=True))


# Credit amounts: JSON numbers with at most 2 decimals (Decimal inside, never float noise).
Amount = Annotated[Decimal, WithJsonSchema({"type": "number"})]
Count = Annotated[int, Field(ge=0)]
Time = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Date = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
COMPACT_JWS_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
CompactJws = Annotated[str, Field(pattern=COMPACT_JWS_PATTERN)]
ExpiresIn = Annotated[int, Field(ge=1, le=300)]  # seconds a presigned URL works (API.md: <= 300)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field left out of the answer when it has no value (never null): `x: str = omittable()`."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


# ----------------------------------------------------------------------------- every route


class ErrorDetail(Answer):
    """What a refusal names: an input field, a credit, or what a profile is missing."""

    field: str = omittable()
    credit_id: str = omittable()
    reason: str


class ErrorBody(Answer):
    code: str
    message: str
    details: list[ErrorDetail] = omittable()


class Error(Answer):
    """Every refusal: the status code, and this envelope (API.md, Conventions)."""

    error: ErrorBody


class Download(Answer):
    """A presigned GET URL and how long it works."""

    url: str
    expires_in: ExpiresIn
