"""Credit earned elsewhere: what a learner may record, its certificate file, and how both are shown. Pure.

The credit types an external credit may carry are the catalogue's (GET /credit-types) and the
outside-only ones the shipped requirement sets accept (AMA PRA Category 2, AOA, ABP MOC Part 4 ...:
`requirements.EXTERNAL_CREDIT_TYPES`), which never reach the service as claims. Without them, rules
such as ABP's 50 Part 4 points could never be met.

A certificate file is uploaded straight to S3 with a presigned PUT. A PUT cannot be limited in size
or type by its signature, so every upload is judged on arrival (`upload_refusal`): at most
`MAX_UPLOAD_BYTES`, one of `UPLOAD_TYPES`, and its first bytes what its Content-Type says. A file
refused is deleted and never shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote_plus

from cme_ledger.domain.amounts import to_json_number
from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.model import CertificateFile, ExternalCredit
from cme_ledger.domain.requirements.model import EXTERNAL_CREDIT_TYPES
from cme_ledger.domain.times import compact

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # API.md: at most 10 MB
UPLOAD_SECONDS = 300  # API.md: the presigned PUT lives at most 300 s
# Content-Type -> the bytes every such file starts with.
UPLOAD_TYPES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
SNIFF_BYTES = max(len(magic) for magic in UPLOAD_TYPES.values())
_POINTS = {"ABP_MOC_4"}


def is_external_credit_type(code: str) -> bool:
    return code in CREDIT_TYPES or code in EXTERNAL_CREDIT_TYPES


def external_credit_types_view() -> dict[str, Any]:
    """`GET /external-credit-types`: the catalogue's types, then the outside-only ones."""
    items = [{"code": t.code, "label": t.label, "unit": t.unit} for t in CREDIT_TYPES.values()]
    items += [
        {"code": code, "label": label, "unit": "points" if code in _POINTS else "credits"}
        for code, label in EXTERNAL_CREDIT_TYPES.items()
    ]
    return {"items": items}


def external_credit_id_for(recorded_at: datetime, random_hex: str) -> str:
    """Ids sort like the time they were recorded, so the newest is last in the partition."""
    return f"ext-{compact(recorded_at)}-{random_hex}"


def new_external_credit(
    user_id: str,
    external_credit_id: str,
    fields: Mapping[str, Any],
    today: date,
    recorded_at: str,
) -> ExternalCredit:
    """An external credit as POST /me/external-credits describes it (`fields` validated for shape).

    `completed_on` may not be after `today`, the learner's today in their time zone (422 otherwise).
    """
    completed_on: date = fields["completed_on"]
    if completed_on > today:
        raise InvalidInput(
            "The credit cannot have been completed after today.",
            [{"field": "completed_on", "reason": f"after today ({today.isoformat()})"}],
        )
    return ExternalCredit(
        user_id=user_id,
        external_credit_id=external_credit_id,
        title=fields["title"],
        provider=fields["provider"],
        credit_type=fields["credit_type"],
        amount=fields["amount"],
        completed_on=completed_on.isoformat(),
        topics=tuple(dict.fromkeys(fields.get("topics") or ())),
        live=bool(fields.get("live")),
        recorded_at=recorded_at,
    )


def upload_refusal(content_type: str | None, size: int, first_bytes: bytes | None) -> str | None:
    """Why an uploaded file cannot be a certificate, or None when it can: too large, empty, of
    another type, or not what its Content-Type says (a PDF that does not start with %PDF-).
    `first_bytes` None: judge only what the object's metadata tells (no need to read a file that
    is too large or of another type)."""
    if size > MAX_UPLOAD_BYTES:
        return f"larger than {MAX_UPLOAD_BYTES} bytes ({size})"
    if size <= 0:
        return "empty"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    magic = UPLOAD_TYPES.get(media)
    if magic is None:
        return f"type {media or 'unknown'} is not one of {', '.join(UPLOAD_TYPES)}"
    if first_bytes is not None and not first_bytes.startswith(magic):
        return f"the file is not a {media}: it does not start as one"
    return None


def certificate_file(
    key: str, version_id: str, content_type: str, size: int, checked_at: str
) -> CertificateFile:
    media = content_type.split(";", 1)[0].strip().lower()
    return CertificateFile(key, version_id, media, size, checked_at)


def external_credit_view(credit: ExternalCredit) -> dict[str, Any]:
    """An external credit as the API shows it: its id and the body it was recorded with."""
    return {
        "external_credit_id": credit.external_credit_id,
        "title": credit.title,
        "provider": credit.provider,
        "credit_type": credit.credit_type,
        "amount": to_json_number(credit.amount),
        "completed_on": credit.completed_on,
        "topics": list(credit.topics),
        "live": credit.live,
    }


def uploaded_keys(message: str) -> list[str]:
    """The object keys an S3 event notification (an SQS message body) says were created, decoded
    (S3 writes them URL-encoded, spaces as '+'); none for S3's test event or anything else."""
    try:
        event = json.loads(message)
    except ValueError:
        return []
    records = event.get("Records") if isinstance(event, dict) else None
    keys = []
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        key = ((record.get("s3") or {}).get("object") or {}).get("key")
        if isinstance(key, str) and key:
            keys.append(unquote_plus(key))
    return keys
