"""Deciding a claim: API.md's refusals in order, the lines to apply, the records to write. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cme_ledger.domain.amounts import ZERO, is_valid_part
from cme_ledger.domain.claim_plan import Chunk, PlannedLine, listed_titles, order_lines, total_of
from cme_ledger.domain.credits import claimable, is_expired
from cme_ledger.domain.errors import (
    BoardIdRequired,
    CreditsUnavailable,
    DomainError,
    InvalidInput,
    MembershipRequired,
    NothingToClaim,
)
from cme_ledger.domain.model import CertificateEntry, ClaimRecord, Course, Credit, Profile, StoredClaim
from cme_ledger.domain.profiles import ABP, board_report_gaps, display_name_of, is_premium, time_zone_of
from cme_ledger.domain.times import iso

REFUSALS: tuple[type[DomainError], ...] = (
    MembershipRequired,
    BoardIdRequired,
    InvalidInput,
    NothingToClaim,
    CreditsUnavailable,
)


@dataclass(frozen=True)
class Selection:
    credit_id: str
    amount: Decimal | None


@dataclass(frozen=True)
class ClaimInput:
    credit_type: str
    all: bool
    selections: tuple[Selection, ...]
    canonical: dict[str, Any]  # the body as JSON after defaults: equal requests, equal dicts


@dataclass(frozen=True)
class Prepared:
    profile: Profile
    display_name: str  # the learner's name as printed: theirs, or the token's until they set one
    credit_type: str
    lines: list[PlannedLine]
    courses: Mapping[str, Course]

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)


# ----------------------------------------------------------------------------- identity


def claim_id_for(user_id: str, idempotency_key: str) -> str:
    """The claim a key stands for: the claim record is the idempotency record."""
    digest = hashlib.sha256(f"{user_id}\x00{idempotency_key}".encode()).hexdigest()
    return "cl_" + digest[:24]


def request_hash(request: ClaimInput) -> str:
    return hashlib.sha256(json.dumps(request.canonical, sort_keys=True).encode()).hexdigest()


def certificate_code(raw: str) -> str:
    """20 base32 characters in readable groups: ABCD-EFGH-JKLM-NPQR-STUV."""
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def normalize_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


# ----------------------------------------------------------------------------- refusals, in order


def check_claimant(profile: Profile | None, credit_type: str, at: datetime) -> Profile:
    """403 membership_required, then 422 board_id_required (ABP MOC Part 2 needs the board's fields)."""
    if profile is None or not is_premium(profile, at):
        raise MembershipRequired()
    if credit_type == ABP:
        missing = board_report_gaps(profile)
        if missing:
            raise BoardIdRequired(details=missing)
    return profile


def unavailable_reason(
    credit: Credit | None, course: Course | None, credit_type: str, asked: Decimal | None, at: datetime
) -> str | None:
    if credit is None:
        return "unknown"
    if is_expired(credit, at):
        return "expired"
    left = claimable(credit, course, at).get(credit_type, ZERO)
    if left <= ZERO:
        return "claimed"
    if asked is not None and asked > left:
        return "insufficient"
    return None


def planned_line(credit: Credit, course: Course, credit_type: str, amount: Decimal) -> PlannedLine:
    """The line taking `amount` of `credit` as `credit_type`, from the credit as it is now."""
    fills = all(
        credit.claimed.get(code, ZERO) + (amount if code == credit_type else ZERO) >= credit.amount
        for code in course.credit_types
    )
    return PlannedLine(
        credit_id=credit.credit_id,
        course_id=credit.course_id,
        topic=credit.topic,
        earned_at=credit.earned_at,
        expires_at=credit.expires_at,
        amount=amount,
        credit_amount=credit.amount,
        fills=fills,
        topics=course.topics,
        live=course.live,
    )


def decide_all(
    credit_type: str, credits: Iterable[Credit], courses: Mapping[str, Course], at: datetime
) -> list[tuple[Credit, Decimal]]:
    """`all`: every claimable credit of the type, all of what is left of it; 409 when none."""
    chosen = []
    for credit in credits:
        left = claimable(credit, courses.get(credit.course_id), at).get(credit_type)
        if left:
            chosen.append((credit, left))
    if not chosen:
        raise NothingToClaim()
    return chosen


def decide_selections(
    credit_type: str,
    selections: Iterable[Selection],
    found: Mapping[str, Credit],
    courses: Mapping[str, Course],
    at: datetime,
) -> list[tuple[Credit, Decimal]]:
    """The lines asked for, or the refusal: 422 (type not offered, amount step) before 409."""
    chosen: list[tuple[Credit, Decimal]] = []
    invalid: list[dict[str, Any]] = []
    unavailable: list[dict[str, Any]] = []
    for index, selection in enumerate(selections):
        selected = found.get(selection.credit_id)
        course = courses.get(selected.course_id) if selected else None
        if selected is not None and (course is None or credit_type not in course.credit_types):
            invalid.append(
                {"field": f"selections[{index}].credit_id", "reason": f"course does not offer {credit_type}"}
            )
            continue
        # The amount's step is judged against what is left before whether it is enough: API.md puts
        # that 422 before 409 credits_unavailable (0.3 of a credit with 0.25 left is a 422). A credit
        # with nothing left (unknown, expired, claimed) has no remainder to judge: it is a 409.
        left = claimable(selected, course, at).get(credit_type, ZERO) if selected is not None else ZERO
        if left > ZERO and selection.amount is not None and not is_valid_part(selection.amount, left):
            invalid.append(
                {
                    "field": f"selections[{index}].amount",
                    "reason": "not a multiple of 0.25 nor the whole remainder",
                }
            )
            continue
        reason = unavailable_reason(selected, course, credit_type, selection.amount, at)
        if reason:
            unavailable.append({"credit_id": selection.credit_id, "reason": reason})
            continue
        assert selected is not None
        chosen.append((selected, selection.amount if selection.amount is not None else left))
    if invalid:
        raise InvalidInput("Some selections cannot be claimed as asked.", invalid)
    if unavailable:
        raise CreditsUnavailable(details=unavailable)
    return chosen


def prepared(
    profile: Profile,
    token_name: str,
    credit_type: str,
    chosen: list[tuple[Credit, Decimal]],
    courses: Mapping[str, Course],
) -> Prepared:
    lines = [
        planned_line(credit, courses[credit.course_id], credit_type, amount) for credit, amount in chosen
    ]
    titles = {cid: c.title for cid, c in courses.items()}
    return Prepared(
        profile, display_name_of(profile, token_name), credit_type, order_lines(lines, titles), courses
    )


def diagnose(
    claim_id: str,
    credit_type: str,
    asked: Mapping[str, Decimal],
    found: Mapping[str, Credit],
    courses: Mapping[str, Course],
    at: datetime,
) -> CreditsUnavailable:
    """Why the credits of a refused chunk could not be taken (those already carrying this claim's
    part are fine); "insufficient" for all when nothing else explains it (a concurrent change)."""
    details = []
    for credit_id in asked:
        credit = found.get(credit_id)
        if credit is not None and claim_id in credit.parts:
            continue
        course = courses.get(credit.course_id) if credit else None
        reason = unavailable_reason(credit, course, credit_type, asked.get(credit_id), at)
        if reason:
            details.append({"credit_id": credit_id, "reason": reason})
    if not details:
        details = [{"credit_id": cid, "reason": "insufficient"} for cid in asked]
    return CreditsUnavailable(details=details)


# ----------------------------------------------------------------------------- records


def pending_record(
    user_id: str, claim_id: str, digest: str, prepared: Prepared, chunks: list[Chunk], at: datetime
) -> ClaimRecord:
    """The record of a claim about to be applied: the names as they are now, and its plan."""
    lines = prepared.lines
    profile = prepared.profile
    titles = sorted(c.title for chunk in chunks for c in chunk.courses)
    abp = prepared.credit_type == ABP
    return ClaimRecord(
        user_id=user_id,
        claim_id=claim_id,
        credit_type=prepared.credit_type,
        status="pending",
        request_hash=digest,
        created_at=iso(at),
        total=prepared.total,
        line_count=len(lines),
        chunk_count=len(chunks),
        plan=tuple(tuple((ln.credit_id, ln.amount) for ln in chunk.lines) for chunk in chunks),
        earned_from=min(ln.earned_at for ln in lines),
        earned_to=max(ln.earned_at for ln in lines),
        display_name=prepared.display_name,
        degree=profile.degree or "",
        time_zone=time_zone_of(profile),
        first_name=profile.first_name or "",
        last_name=profile.last_name or "",
        abp_id=profile.board_ids.get("ABP") if abp else None,
        birth_month_day=profile.birth_month_day if abp else None,
        course_count=len(titles),
        course_titles=tuple(t) if (t := listed_titles(titles)) is not None else None,
        board_report="queued" if abp else None,
    )


def refusal_record(
    user_id: str, claim_id: str, request: ClaimInput, digest: str, refusal: DomainError, at: datetime
) -> ClaimRecord:
    """A refusal kept under its Idempotency-Key, so a retry answers the same."""
    now = iso(at)
    return ClaimRecord(
        user_id=user_id,
        claim_id=claim_id,
        credit_type=request.credit_type,
        status="refused",
        request_hash=digest,
        created_at=now,
        total=ZERO,
        line_count=0,
        chunk_count=0,
        plan=(),
        earned_from=now,
        earned_to=now,
        failure=failure_of(refusal),
    )


def failure_of(refusal: DomainError) -> dict[str, Any]:
    return {"code": refusal.code, "message": refusal.message, "details": refusal.details}


def stored_refusal(record: ClaimRecord) -> DomainError:
    """The refusal a refused or cancelled claim keeps, as it was first given."""
    failure = dict(record.failure or {})
    details = [
        {str(k): (v if isinstance(v, str) else str(v)) for k, v in dict(entry).items()}
        for entry in failure.get("details") or []
    ]
    for cls in REFUSALS:
        if cls.code == failure.get("code"):
            return cls(str(failure.get("message") or cls.message), details)
    return CreditsUnavailable(details=details)


def certificate_entries(stored: StoredClaim) -> list[CertificateEntry]:
    """One code item per certificate (course), with what verification shows of it."""
    totals: dict[str, Decimal] = {}
    dates: dict[str, tuple[str, str]] = {}
    for line in stored.lines:
        totals[line.course_id] = totals.get(line.course_id, ZERO) + line.amount
        first, last = dates.get(line.course_id, (line.earned_at, line.earned_at))
        dates[line.course_id] = (min(first, line.earned_at), max(last, line.earned_at))
    record = stored.record
    return [
        CertificateEntry(
            c.code,
            record.user_id,
            record.claim_id,
            c.course_id,
            c.title,
            c.provider,
            totals.get(c.course_id, ZERO),
            *dates.get(c.course_id, (record.earned_from, record.earned_to)),
        )
        for c in stored.courses.values()
    ]
