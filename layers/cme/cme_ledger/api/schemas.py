"""Request bodies of API.md as strict pydantic models (an unknown field is a 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from cme_ledger.domain.amounts import canonical_text, has_two_decimals_at_most
from cme_ledger.domain.calendar import is_valid_month_day
from cme_ledger.domain.credit_types import CREDIT_TYPES, DEFAULT_CREDIT_TYPE


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON number")
    return Decimal(value)


def _two_decimals(value: Decimal) -> Decimal:
    if not has_two_decimals_at_most(value):
        raise ValueError("at most 2 decimals")
    return value


def _known_type(value: str) -> str:
    if value not in CREDIT_TYPES:
        raise ValueError("unknown credit type")
    return value


def _month_day(value: str) -> str:
    if not is_valid_month_day(value):
        raise ValueError("must be a real MM-DD month and day")
    return value


def _abp_id(value: str) -> str:
    if not (value.isascii() and value.isdigit() and 4 <= len(value) <= 10):
        raise ValueError("must be 4 to 10 digits")
    return value


def _utc_time(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 time string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 time such as 2026-11-27T10:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must carry a time zone (Z for UTC)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable UTC time
        raise ValueError("is out of the range of representable times") from None


# The JSON Schemas below say in the OpenAPI document what the validators check: an amount is a JSON
# number (never a string) with at most 2 decimals, a credit type one of the known codes.
_AMOUNT_SCHEMA: dict[str, Any] = {"type": "number", "multipleOf": 0.01, "exclusiveMinimum": 0}
Amount = Annotated[Decimal, BeforeValidator(_json_number), AfterValidator(_two_decimals)]
CreditAmount = Annotated[Amount, Field(gt=0, le=100), WithJsonSchema({**_AMOUNT_SCHEMA, "maximum": 100})]
SelectionAmount = Annotated[Amount, Field(gt=0), WithJsonSchema(_AMOUNT_SCHEMA)]
CreditTypeCode = Annotated[
    StrictStr, AfterValidator(_known_type), WithJsonSchema({"type": "string", "enum": list(CREDIT_TYPES)})
]
Time = Annotated[datetime, BeforeValidator(_utc_time)]
MonthDay = Annotated[
    StrictStr,
    AfterValidator(_month_day),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{2}-[0-9]{2}$"}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # Powertools validates bodies with from_attributes, which would build a model whose fields all
        # have defaults out of any object: {"board_ids": 0.5} became BoardIds(). Only JSON objects.
        if not isinstance(data, dict | BaseModel):
            raise ValueError("must be a JSON object")
        return data


# ----------------------------------------------------------------------------- profile


class BoardIds(Strict):
    ABP: (
        Annotated[
            StrictStr, AfterValidator(_abp_id), WithJsonSchema({"type": "string", "pattern": "^[0-9]{4,10}$"})
        ]
        | None
    ) = None
    ABIM: Annotated[StrictStr, Field(min_length=1, max_length=40)] | None = None


class ProfileUpdate(Strict):
    display_name: Annotated[StrictStr, Field(min_length=1, max_length=120)]
    degree: Annotated[StrictStr, Field(max_length=40)] | None = None
    first_name: Annotated[StrictStr, Field(max_length=60)] | None = None
    last_name: Annotated[StrictStr, Field(max_length=60)] | None = None
    board_ids: BoardIds | None = None
    birth_month_day: MonthDay | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (None clears); board_ids keeps only the boards sent."""
        result: dict[str, Any] = {}
        for name in self.model_fields_set:
            if name == "board_ids":
                boards = self.board_ids
                result[name] = (
                    {b: getattr(boards, b) for b in boards.model_fields_set} if boards is not None else None
                )
            else:
                result[name] = getattr(self, name)
        return result


# ----------------------------------------------------------------------------- admin


class CoursePut(Strict):
    title: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    provider: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    credit_types: Annotated[list[CreditTypeCode], Field(min_length=1, max_length=9)]
    claim_window_years: Annotated[StrictInt, Field(ge=1, le=10)] | None = None
    pars_activity_id: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None


class CreditItem(Strict):
    user_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]
    course_id: Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    topic: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    amount: CreditAmount
    earned_at: Time | None = None
    source_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]


class CreditBatch(Strict):
    items: Annotated[list[CreditItem], Field(min_length=1, max_length=100)]


class MembershipPut(Strict):
    premium_until: Time | None


# ----------------------------------------------------------------------------- claims


class Selection(Strict):
    credit_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]
    amount: SelectionAmount | None = None


class ClaimRequest(Strict):
    credit_type: CreditTypeCode = DEFAULT_CREDIT_TYPE
    all: Literal[True] | None = None
    selections: Annotated[list[Selection], Field(min_length=1, max_length=5000)] | None = None

    @model_validator(mode="after")
    def _all_or_selections(self) -> ClaimRequest:
        if (self.all is None) == (self.selections is None):
            raise ValueError("give either all: true or selections")
        if self.selections is not None:
            seen: set[str] = set()
            for selection in self.selections:
                if selection.credit_id in seen:
                    raise ValueError(f"credit id {selection.credit_id} is selected more than once")
                seen.add(selection.credit_id)
        return self

    def canonical(self) -> dict[str, Any]:
        """The body as JSON after defaults are applied: equal requests give equal dicts."""
        body: dict[str, Any] = {"credit_type": self.credit_type}
        if self.all:
            body["all"] = True
        else:
            body["selections"] = [
                {"credit_id": s.credit_id, "amount": None if s.amount is None else canonical_text(s.amount)}
                for s in self.selections or []
            ]
        return body


class Ratings(Strict):
    overall: Annotated[StrictInt, Field(ge=1, le=5)]
    relevance: Annotated[StrictInt, Field(ge=1, le=5)]
    quality: Annotated[StrictInt, Field(ge=1, le=5)]


class EvaluationRequest(Strict):
    ratings: Ratings
    free_of_bias: StrictBool
    practice_change: Annotated[StrictStr, Field(max_length=2000)] | None = None
    comments: Annotated[StrictStr, Field(max_length=2000)] | None = None
