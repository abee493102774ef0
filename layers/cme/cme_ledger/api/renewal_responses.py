"""The success answers of the renewal routes (API.md, "Renewal": requirement sets, progress, external
credit) and of the project's explanation, as JSON Schemas for the OpenAPI document.

Apart from api/responses.py only for size; the same rules: strict objects, every field API.md
names required, plain dicts.
"""

from __future__ import annotations

from typing import Any

from cme_ledger.api.responses import DOWNLOAD, NUMBER, STRING, items, nullable, strict

DATE: dict[str, Any] = {"type": "string", "format": "date"}
_NULLABLE_NUMBER = nullable(NUMBER)

TOPIC_TAG = strict({"tag": STRING, "label": STRING})

REQUIREMENT_SET = strict(
    {
        "code": STRING,
        "name": STRING,
        "authority": STRING,
        "cycle_years": nullable({"type": "integer", "minimum": 1}),
        "rules": {"type": "array", "items": strict({"rule": STRING, "description": STRING})},
        "sources": {"type": "array", "items": STRING},
        "verified": {"type": "boolean"},
    }
)

CHOSEN_SETS = items(strict({"code": STRING, "cycle_start": DATE}))

_PROGRESS_FIELDS: dict[str, Any] = {
    "code": STRING,
    "cycle_start": DATE,
    "cycle_end": nullable(DATE),
}

PROGRESS = items(
    strict(
        {
            **_PROGRESS_FIELDS,
            "name": STRING,
            "met": {"type": "boolean"},
            "rules": {
                "type": "array",
                "items": strict(
                    {
                        "rule": STRING,
                        "description": STRING,
                        # null for a cap, weight or roll-over: it counts, it is not a requirement
                        "required": _NULLABLE_NUMBER,
                        "counted": NUMBER,
                        "remaining": _NULLABLE_NUMBER,
                        "met": {"type": "boolean"},
                    }
                ),
            },
        }
    )
)

_LINE = strict(
    {
        "line_id": STRING,
        "source": {"type": "string", "enum": ["claim", "external", "roll_over"]},
        "self_reported": {"type": "boolean"},
        "credit_type": STRING,
        "earned_on": DATE,
        "amount": NUMBER,
        "weighted": NUMBER,
        "counted": NUMBER,
        "weight_rule": nullable(STRING),
        "cut_by": nullable(STRING),
        "reason": nullable({"type": "string", "enum": ["duplicate", "revoked", "cap"]}),
    }
)

EXPLANATION = items(
    strict(
        {
            **_PROGRESS_FIELDS,
            "verified": {"type": "boolean"},
            "checked": DATE,
            "notes": {"type": "array", "items": STRING},
            "rules": {
                "type": "array",
                "items": strict(
                    {
                        "rule": STRING,
                        "kind": {
                            "type": "string",
                            "enum": ["total", "minimum", "one_time", "cap", "weight", "roll_over"],
                        },
                        "verified": {"type": "boolean"},
                        "note": nullable(STRING),
                        "required": _NULLABLE_NUMBER,
                        "counted": NUMBER,
                        "remaining": _NULLABLE_NUMBER,
                        "met": {"type": "boolean"},
                        "cut": NUMBER,
                        "suggestions": {
                            "type": "array",
                            "items": strict(
                                {"credit_type": STRING, "claimable": NUMBER, "reduces_remaining_by": NUMBER}
                            ),
                        },
                    },
                    {"lines": {"type": "array", "items": _LINE}},
                ),
            },
        }
    )
)

_EXTERNAL_FIELDS: dict[str, Any] = {
    "external_credit_id": STRING,
    "title": STRING,
    "provider": STRING,
    "credit_type": STRING,
    "amount": NUMBER,
    "completed_on": DATE,
    "topics": {"type": "array", "items": STRING},
    "live": {"type": "boolean"},
}

EXTERNAL_CREDIT = strict(_EXTERNAL_FIELDS)
EXTERNAL_CREDIT_CREATED = strict(
    {
        **_EXTERNAL_FIELDS,
        "upload_url": STRING,
        "upload_expires_in": {"type": "integer", "minimum": 1, "maximum": 300},
    }
)
EXTERNAL_CREDIT_READ = strict({**_EXTERNAL_FIELDS, "certificate": nullable(DOWNLOAD)})
