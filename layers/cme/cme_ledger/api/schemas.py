"""Request bodies of API.md as strict pydantic models (an unknown field is a 422)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

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
from cme_ledger.domain.calendar import FIRST_DAY, LAST_DAY, is_valid_month_day
from cme_ledger.domain.credit_types import CREDIT_TYPES, DEFAULT_CREDIT_TYPE
from cme_ledger.domain.times import is_time_zone
from cme_ledger.domain.topic_tags import TOPIC_TAGS, is_known_tag

# What a person reads (names, titles, topics, ids printed on certificates and reports) is one line of
# visible text: control characters (NUL, line breaks, C1), lone surrogates and the bidi embedding,
# override and isolate controls (U+202A-U+202E, U+2066-U+2069), with which "Dr. \u202eevE" shows as
# another name, are refused. Free text (evaluation comments) may also hold line breaks and tabs.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\r\t")


def _refused_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    for ch in value:
        if ch in allowed:
            continue
        if ch in _BIDI_CONTROLS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return f"U+{ord(ch):04X}"
    return None


def _one_line(value: str) -> str:
    bad = _refused_character(value)
    if bad is not None:
        raise ValueError(f"must not contain control or bidi override characters ({bad})")
    return value


def _free_text(value: str) -> str:
    bad = _refused_character(value, _MULTILINE_ALLOWED)
    if bad is not None:
        raise ValueError(f"must not contain control or bidi override characters ({bad})")
    return value


Text = Annotated[StrictStr, AfterValidator(_one_line)]
FreeText = Annotated[StrictStr, AfterValidator(_free_text)]


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
AMOUNT_SCHEMA: dict[str, Any] = {"type": "number", "multipleOf": 0.01, "exclusiveMinimum": 0}
Amount = Annotated[Decimal, BeforeValidator(_json_number), AfterValidator(_two_decimals)]
CreditAmount = Annotated[Amount, Field(gt=0, le=100), WithJsonSchema({**AMOUNT_SCHEMA, "maximum": 100})]
SelectionAmount = Annotated[Amount, Field(gt=0), WithJsonSchema(AMOUNT_SCHEMA)]
CreditTypeCode = Annotated[
    StrictStr, AfterValidator(_known_type), WithJsonSchema({"type": "string", "enum": list(CREDIT_TYPES)})
]
Time = Annotated[datetime, BeforeValidator(_utc_time)]


def _known_tag(value: str) -> str:
    if not is_known_tag(value):
        raise ValueError("unknown topic tag (see GET /topic-tags)")
    return value


TopicTag = Annotated[
    StrictStr, AfterValidator(_known_tag), WithJsonSchema({"type": "string", "enum": list(TOPIC_TAGS)})
]
# A course's or an external credit's tags: each a known tag (a tag given twice counts once).
TopicTags = Annotated[list[TopicTag], Field(max_length=len(TOPIC_TAGS) * 2)]

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date such as 2026-11-27")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date such as 2026-11-27") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    return day


# A calendar date, YYYY-MM-DD, within the years the service computes cycles for.
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
MonthDay = Annotated[
    StrictStr,
    AfterValidator(_month_day),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{2}-[0-9]{2}$"}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # Powertools validates bodies with from_attributes, which would build a model whose fields all
        # have defaults out of any object: {"board_ids": 0.5} became BoardIds(). Only JSON objects.
        if not isinstance(data, dict | BaseModel):
            raise ValueError("must be a JSON object")
        return data


# ----------------------------------------------------------------------------- profile


def _time_zone(value: str) -> str:
    if not is_time_zone(value):
        raise ValueError("must be an IANA time zone name such as America/Los_Angeles")
    return value


TimeZone = Annotated[
    StrictStr,
    AfterValidator(_time_zone),
    WithJsonSchema({"type": "string", "maxLength": 64, "examples": ["America/Los_Angeles", "UTC"]}),
]


class BoardIds(Strict):
    ABP: (
        Annotated[
            StrictStr, AfterValidator(_abp_id), WithJsonSchema({"type": "string", "pattern": "^[0-9]{4,10}$"})
        ]
        | None
    ) = None
    ABIM: Annotated[Text, Field(min_length=1, max_length=40)] | None = None


class ProfileUpdate(Strict):
    display_name: Annotated[Text, Field(min_length=1, max_length=120)]
    degree: Annotated[Text, Field(max_length=40)] | None = None
    first_name: Annotated[Text, Field(max_length=60)] | None = None
    last_name: Annotated[Text, Field(max_length=60)] | None = None
    board_ids: BoardIds | None = None
    birth_month_day: MonthDay | None = None
    time_zone: TimeZone | None = None  # null: UTC
    reminders: StrictBool | None = None  # null: on

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
    title: Annotated[Text, Field(min_length=1, max_length=300)]
    provider: Annotated[Text, Field(min_length=1, max_length=200)]
    credit_types: Annotated[list[CreditTypeCode], Field(min_length=1, max_length=9)]
    claim_window_years: Annotated[StrictInt, Field(ge=1, le=10)] | None = None
    pars_activity_id: Annotated[Text, Field(min_length=1, max_length=64)] | None = None
    topics: TopicTags | None = None
    live: StrictBool | None = None


class CreditItem(Strict):
    user_id: Annotated[Text, Field(min_length=1, max_length=128)]
    course_id: Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    topic: Annotated[Text, Field(min_length=1, max_length=300)]
    amount: CreditAmount
    earned_at: Time | None = None
    source_id: Annotated[Text, Field(min_length=1, max_length=128)]


class CreditBatch(Strict):
    items: Annotated[list[CreditItem], Field(min_length=1, max_length=100)]


class MembershipPut(Strict):
    premium_until: Time | None


# ----------------------------------------------------------------------------- claims


def _true(value: bool) -> bool:
    if value is not True:
        raise ValueError("must be true (or left out, with selections)")
    return value


# A JSON boolean: 1 or "true" is not true.
AllTrue = Annotated[StrictBool, AfterValidator(_true), WithJsonSchema({"type": "boolean", "enum": [True]})]


class Selection(Strict):
    credit_id: Annotated[Text, Field(min_length=1, max_length=128)]
    amount: SelectionAmount | None = None


class ClaimRequest(Strict):
    credit_type: CreditTypeCode = DEFAULT_CREDIT_TYPE
    all: AllTrue | None = None
    selections: Annotated[list[Selection], Field(min_length=1, max_length=5000)] | None = None

    def problems(self) -> list[dict[str, str]]:
        """What JSON Schema cannot say of a claim body, each naming its field (API.md's details)."""
        if self.all is not None and self.selections is not None:
            return [{"field": "all", "reason": "give either all: true or selections, not both"}]
        if self.all is None and self.selections is None:
            return [{"field": "selections", "reason": "required unless all is true"}]
        first: dict[str, int] = {}
        repeated = []
        for index, selection in enumerate(self.selections or []):
            if selection.credit_id in first:
                repeated.append(
                    {
                        "field": f"selections[{index}].credit_id",
                        "reason": f"already selected at selections[{first[selection.credit_id]}]",
                    }
                )
            else:
                first[selection.credit_id] = index
        return repeated

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
    practice_change: Annotated[FreeText, Field(max_length=2000)] | None = None
    comments: Annotated[FreeText, Field(max_length=2000)] | None = None


# ----------------------------------------------------------------------------- credentials


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class RevokeRequest(Strict):
    # Shown to anyone who verifies the certificate: one line of visible text.
    reason: Annotated[Text, Field(min_length=1, max_length=500), AfterValidator(_not_blank)]
