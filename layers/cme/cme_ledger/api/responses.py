"""The success answers of API.md as JSON Schemas, for the OpenAPI document (and so for its fuzzing).

Strict on purpose (`additionalProperties: false`, every field API.md names required): the document
describes exactly the contract, and schemathesis checks every answer of the local stack against it.
Plain dicts, so importing this costs nothing on a cold start.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
VC_JWT = "application/vc+jwt"

STRING: dict[str, Any] = {"type": "string"}
NUMBER: dict[str, Any] = {"type": "number"}  # credit amounts: JSON numbers, at most 2 decimals
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def strict(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object with exactly these fields (the optional ones may be left out)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


def items(item: dict[str, Any]) -> dict[str, Any]:
    return strict({"items": {"type": "array", "items": item}})


def page(item: dict[str, Any]) -> dict[str, Any]:
    """A paginated list: items and the opaque cursor of the next page (null on the last)."""
    return strict({"items": {"type": "array", "items": item}, "next_cursor": nullable(STRING)})


MEMBERSHIP = strict({"premium": {"type": "boolean"}, "premium_until": nullable(TIME)})

PROFILE = strict(
    {
        "user_id": STRING,
        "display_name": STRING,
        "degree": STRING,
        "first_name": STRING,
        "last_name": STRING,
        "membership": MEMBERSHIP,
        "board_ids": strict({}, {"ABP": STRING, "ABIM": STRING}),
        "birth_month_day": nullable({"type": "string", "pattern": r"^[0-9]{2}-[0-9]{2}$"}),
        "time_zone": STRING,
        "reminders": {"type": "boolean"},
    }
)

CREDIT_TYPE = strict({"code": STRING, "label": STRING, "unit": STRING})

COURSE = strict(
    {
        "course_id": STRING,
        "title": STRING,
        "provider": STRING,
        "credit_types": {"type": "array", "items": STRING, "minItems": 1},
        "claim_window_years": {"type": "integer", "minimum": 1, "maximum": 10},
        "topics": {"type": "array", "items": STRING},
        "live": {"type": "boolean"},
    },
    {"pars_activity_id": STRING},
)

CREDIT = strict(
    {
        "credit_id": STRING,
        "course_id": STRING,
        "course_title": STRING,
        "topic": STRING,
        "earned_at": TIME,
        "expires_at": TIME,
        "amount": NUMBER,
        "claimable": {"type": "object", "additionalProperties": NUMBER},
    }
)

CREDIT_SUMMARY = strict(
    {
        "credit_type": STRING,
        "total": NUMBER,
        "courses": {
            "type": "array",
            "items": strict(
                {
                    "course_id": STRING,
                    "course_title": STRING,
                    "topics": COUNT,
                    "claimable": NUMBER,
                    "next_expiry": TIME,
                }
            ),
        },
    }
)

_TOPIC = strict({"credit_id": STRING, "topic": STRING, "earned_at": TIME, "amount": NUMBER})
_CERTIFICATE_FIELDS: dict[str, Any] = {
    "course_id": STRING,
    "course_title": STRING,
    "total": NUMBER,
    "topics": {"type": "array", "items": _TOPIC},
}

PREVIEW = strict(
    {
        "display_name": STRING,
        "degree": STRING,
        "credit_type": STRING,
        "total": NUMBER,
        "certificates": {"type": "array", "items": strict(_CERTIFICATE_FIELDS)},
        "preview_url": STRING,
    }
)

CLAIM_STATUS: dict[str, Any] = {"type": "string", "enum": ["processing", "ready", "failed"]}
CERTIFICATE_STATUS: dict[str, Any] = {"type": "string", "enum": ["active", "revoked"]}

CLAIM = strict(
    {
        "claim_id": STRING,
        "claimed_at": TIME,
        "credit_type": STRING,
        "display_name": STRING,
        "degree": STRING,
        "time_zone": STRING,
        "total": NUMBER,
        "earned_from": TIME,
        "earned_to": TIME,
        "status": CLAIM_STATUS,
        "certificates": {
            "type": "array",
            "items": strict(
                {
                    **_CERTIFICATE_FIELDS,
                    "certificate_code": STRING,
                    "status": CERTIFICATE_STATUS,
                    "revoked_reason": nullable(STRING),
                }
            ),
        },
        "sha256": nullable({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
        "evaluation_submitted": {"type": "boolean"},
        "board_report": nullable(
            strict(
                {
                    "board": {"type": "string", "enum": ["ABP"]},
                    "status": {"type": "string", "enum": ["queued", "reported"]},
                }
            )
        ),
    }
)

CLAIM_LISTED = strict(
    {
        "claim_id": STRING,
        "claimed_at": TIME,
        "credit_type": STRING,
        "total": NUMBER,
        "earned_from": TIME,
        "earned_to": TIME,
        "course_titles": {"type": "array", "items": STRING},
        "status": CLAIM_STATUS,
    }
)

DOWNLOAD = strict({"url": STRING, "expires_in": {"type": "integer", "minimum": 1, "maximum": 300}})

EVALUATION_RECEIPT = strict({"claim_id": STRING, "submitted_at": TIME})

DATE: dict[str, Any] = {"type": "string", "format": "date"}

TRANSCRIPT = strict(
    {
        "learner": strict(
            {
                "display_name": STRING,
                "degree": STRING,
                "board_ids": {"type": "object", "additionalProperties": STRING},
            }
        ),
        "from": DATE,
        "to": DATE,
        "items": {
            "type": "array",
            "items": strict(
                {
                    "source": {"type": "string", "enum": ["claim", "external"]},
                    "date": DATE,
                    "provider": STRING,
                    "activity_title": STRING,
                    "credit_type": STRING,
                    "credit_type_label": STRING,
                    "credits": NUMBER,
                    "certificate_code": nullable(STRING),
                    "topics": {"type": "array", "items": STRING},
                }
            ),
        },
        "totals": {"type": "object", "additionalProperties": NUMBER},
    }
)

VERIFICATION = strict(
    {
        "valid": {"type": "boolean"},
        "status": CERTIFICATE_STATUS,
        "revoked_reason": nullable(STRING),
        "learner_name": STRING,
        "course_title": STRING,
        "credit_type": STRING,
        "credit_type_label": STRING,
        "credits": NUMBER,
        "claimed_at": TIME,
        "earned_from": TIME,
        "earned_to": TIME,
        "provider": STRING,
    }
)

COMPACT_JWS: dict[str, Any] = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
}

CREDENTIALS = items(
    strict(
        {
            "certificate_code": STRING,
            "course_id": STRING,
            "format": {"type": "string", "enum": ["vc+jwt"]},
            "credential": COMPACT_JWS,
        }
    )
)

ISSUER = strict(
    {
        "id": {"type": "string", "format": "uri"},
        "type": {"type": "array", "items": STRING, "contains": {"const": "Profile"}},
        "name": STRING,
        "url": {"type": "string", "format": "uri"},
    }
)

_PUBLIC_JWK = strict(
    {
        "kid": STRING,
        "kty": {"type": "string", "enum": ["EC"]},
        "crv": {"type": "string", "enum": ["P-256"]},
        "x": STRING,
        "y": STRING,
        "alg": {"type": "string", "enum": ["ES256"]},
        "use": {"type": "string", "enum": ["sig"]},
    }
)

JWKS = strict({"keys": {"type": "array", "items": _PUBLIC_JWK}})

REVOCATION = strict(
    {
        "certificate_code": STRING,
        "status": {"type": "string", "enum": ["revoked"]},
        "revoked_at": TIME,
        "reason": STRING,
    }
)

RECORDED_CREDITS = items(strict({"credit_id": STRING, "source_id": STRING, "created": {"type": "boolean"}}))

SWEEP = strict({"expired": COUNT, "credits_read": COUNT})

BOARD_REPORT = strict({"lines": COUNT, "report_key": nullable(STRING)})

REMINDERS = strict({"emails": COUNT, "credits_read": COUNT})

HEALTH = strict({"status": {"type": "string", "enum": ["ok"]}})

OPENAPI_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {"openapi": STRING, "info": {"type": "object"}, "paths": {"type": "object"}},
}


def answer(status: int, schema: dict[str, Any], description: str) -> dict[int, Any]:
    """An OpenAPI `responses` entry: a JSON answer with this schema."""
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def signed(status: int, description: str) -> dict[int, Any]:
    """An OpenAPI `responses` entry: a compact JWS served as application/vc+jwt."""
    return {status: {"description": description, "content": {VC_JWT: {"schema": COMPACT_JWS}}}}


def no_content(description: str) -> dict[int, Any]:
    """A 204 answer: no body."""
    return {204: {"description": description}}


def redirect(description: str) -> dict[int, Any]:
    """A 303 answer with a Location header and no body."""
    return {
        303: {
            "description": description,
            "headers": {"Location": {"required": True, "schema": STRING}},
        }
    }
