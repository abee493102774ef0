"""A claim's certificates as Open Badges 3.0 credentials, and what the API shows of them. Pure.

`course_credential` says, for one certificate (one course of a claim), what its PDF says: the name
as copied onto the claim, the course and its provider as snapshotted, the credit type, the topics
with their dates and amounts, the claim time, the certificate code and the URL its QR code opens.
Everything comes from the claim's items, so a credential issued years later says the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from cme_ledger.domain.amounts import ZERO
from cme_ledger.domain.certificates import credit_type_of, verify_url
from cme_ledger.domain.credentials import (
    CourseCredential,
    Issuer,
    StatusEntry,
    TopicCredit,
    b64url_decode,
)
from cme_ledger.domain.model import CourseSnapshot, Revocation, StoredClaim
from cme_ledger.domain.status_lists import status_list_url
from cme_ledger.domain.times import parse_iso

ISSUER_PATH = "/issuer"
FORMAT = "vc+jwt"
ACTIVE, REVOKED = "active", "revoked"


def issuer_of(base_url: str, name: str) -> Issuer:
    """The issuer at `base_url`: its id is the URL of GET /issuer, its home page the base URL."""
    base = base_url.rstrip("/")
    return Issuer(id=f"{base}{ISSUER_PATH}", name=name, url=base)


def courses_in_order(stored: StoredClaim) -> list[CourseSnapshot]:
    """The claim's certificates (courses) in the order its PDF and GET /claims/{id} list them."""
    return sorted(stored.courses.values(), key=lambda c: (c.title, c.course_id))


def course_credential(
    stored: StoredClaim, course: CourseSnapshot, issuer: Issuer, base_url: str, list_id: str, position: int
) -> CourseCredential:
    """The credential of one certificate of a committed claim, its status at (list, position)."""
    claim = stored.record
    lines = [line for line in stored.lines if line.course_id == course.course_id]
    if not lines:
        raise ValueError(f"the claim has no line of course {course.course_id}")
    ctype = credit_type_of(claim.credit_type)
    return CourseCredential(
        issuer=issuer,
        learner_name=claim.display_name,
        course_id=course.course_id,
        course_title=course.title,
        provider=course.provider,
        credit_type_code=ctype.code,
        credit_type_label=ctype.label,
        credits=sum((line.amount for line in lines), ZERO),
        topics=tuple(TopicCredit(line.topic, parse_iso(line.earned_at), line.amount) for line in lines),
        claimed_at=parse_iso(claim.claimed_at or claim.created_at),
        certificate_code=course.code,
        verify_url=verify_url(base_url.rstrip("/"), course.code),
        status=StatusEntry(status_list_url(base_url, list_id), position),
    )


def jws_kid(token: str) -> str | None:
    """The `kid` in a compact JWS's header, unverified (None when there is none)."""
    try:
        header = json.loads(b64url_decode(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def credentials_view(courses: Iterable[CourseSnapshot], tokens: Mapping[str, str]) -> dict[str, Any]:
    """GET /claims/{id}/credentials: one item per certificate, in the claim's course order."""
    return {
        "items": [
            {
                "certificate_code": course.code,
                "course_id": course.course_id,
                "format": FORMAT,
                "credential": tokens[course.code],
            }
            for course in courses
        ]
    }


def revocation_view(revocation: Revocation) -> dict[str, str]:
    """POST /admin/certificates/{code}/revoke: the first revocation, however often it is asked."""
    return {
        "certificate_code": revocation.code,
        "status": REVOKED,
        "revoked_at": revocation.revoked_at,
        "reason": revocation.reason,
    }


def status_of(revocation: Revocation | None) -> dict[str, str | None]:
    """A certificate's status as verification and the learner's claim show it."""
    if revocation is None:
        return {"status": ACTIVE, "revoked_reason": None}
    return {"status": REVOKED, "revoked_reason": revocation.reason}
