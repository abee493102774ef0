"""The claim as API.md shows it: preview, the claim, a listed claim. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from cme_ledger.domain.amounts import ZERO, to_json_number
from cme_ledger.domain.claim_decision import Prepared
from cme_ledger.domain.model import ClaimRecord, Revocation, StoredClaim
from cme_ledger.domain.profiles import ABP

API_STATUS = {"committed": "processing", "ready": "ready", "failed": "failed"}
SETTLED = tuple(API_STATUS)


class Line(Protocol):
    @property
    def credit_id(self) -> str: ...
    @property
    def course_id(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def earned_at(self) -> str: ...
    @property
    def amount(self) -> Any: ...


def certificates(
    lines: Iterable[Line], courses: Mapping[str, tuple[str, str | None]], with_codes: bool
) -> list[dict[str, Any]]:
    """Certificates of a claim in title order; `courses` maps a course id to (title, code)."""
    grouped: dict[str, list[Line]] = {}
    for ln in lines:
        grouped.setdefault(ln.course_id, []).append(ln)

    def title(course_id: str) -> str:
        return courses[course_id][0] if course_id in courses else course_id

    result = []
    for course_id, group in sorted(grouped.items(), key=lambda kv: (title(kv[0]), kv[0])):
        entry: dict[str, Any] = {
            "course_id": course_id,
            "course_title": title(course_id),
            "total": to_json_number(sum((ln.amount for ln in group), ZERO)),
            "topics": [
                {
                    "credit_id": ln.credit_id,
                    "topic": ln.topic,
                    "earned_at": ln.earned_at,
                    "amount": to_json_number(ln.amount),
                }
                for ln in sorted(group, key=lambda ln: (ln.earned_at, ln.credit_id))
            ],
        }
        if with_codes:
            entry["certificate_code"] = courses[course_id][1] if course_id in courses else None
        result.append(entry)
    return result


def preview_view(prepared: Prepared) -> dict[str, Any]:
    return {
        "display_name": prepared.display_name,
        "degree": prepared.profile.degree or "",
        "credit_type": prepared.credit_type,
        "total": to_json_number(prepared.total),
        "certificates": certificates(
            prepared.lines, {cid: (c.title, None) for cid, c in prepared.courses.items()}, False
        ),
        "preview_url": None,
    }


def claim_view(stored: StoredClaim, *, first_answer: bool = False) -> dict[str, Any]:
    """GET /claims/{id}; with first_answer, exactly the 201 given when it was committed."""
    claim = stored.record
    # Titles as copied onto the claim when it was made.
    courses = {cid: (c.title, c.code) for cid, c in stored.courses.items()}
    board = None
    if claim.credit_type == ABP:
        board = {"board": "ABP", "status": "queued" if first_answer else (claim.board_report or "queued")}
    return {
        "claim_id": claim.claim_id,
        "claimed_at": claim.claimed_at,
        "credit_type": claim.credit_type,
        "display_name": claim.display_name,
        "degree": claim.degree,
        "time_zone": claim.time_zone,
        "total": to_json_number(claim.total),
        "earned_from": claim.earned_from,
        "earned_to": claim.earned_to,
        "status": "processing" if first_answer else API_STATUS.get(claim.status, "processing"),
        "certificates": _with_status(
            certificates(stored.lines, courses, True), {} if first_answer else claim.revocations
        ),
        "sha256": None if first_answer else claim.sha256,
        "evaluation_submitted": False if first_answer else claim.evaluation_submitted_at is not None,
        "board_report": board,
    }


def _with_status(items: list[dict[str, Any]], revocations: Mapping[str, Revocation]) -> list[dict[str, Any]]:
    """Each certificate's status: `active`, or `revoked` with the reason staff gave (docs/credentials.md)."""
    for item in items:
        revocation = revocations.get(item.get("certificate_code") or "")
        item["status"] = "revoked" if revocation else "active"
        item["revoked_reason"] = revocation.reason if revocation else None
    return items


def list_item_view(claim: ClaimRecord, titles: list[str] | None = None) -> dict[str, Any]:
    """A listed claim; `titles` when the record could not keep them (a claim over thousands of courses)."""
    return {
        "claim_id": claim.claim_id,
        "claimed_at": claim.claimed_at,
        "credit_type": claim.credit_type,
        "total": to_json_number(claim.total),
        "earned_from": claim.earned_from,
        "earned_to": claim.earned_to,
        "course_titles": list(claim.course_titles) if claim.course_titles is not None else list(titles or []),
        "status": API_STATUS.get(claim.status, "processing"),
    }
