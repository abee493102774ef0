"""Claiming credit: preparing, committing all or nothing at any size, replaying, resuming, undoing."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain.amounts import ZERO, is_valid_part, to_json_number
from cme_ledger.domain.catalog import courses_by_id
from cme_ledger.domain.credits import claimable, is_expired
from cme_ledger.domain.errors import (
    BoardIdRequired,
    CreditsUnavailable,
    DomainError,
    EvaluationExists,
    IdempotencyKeyMismatch,
    InvalidInput,
    MembershipRequired,
    NotFound,
    NothingToClaim,
    RequestInProgress,
)
from cme_ledger.domain.profiles import board_ids_of, is_premium
from cme_ledger.store import claims as store
from cme_ledger.store import keys, queue, repo
from cme_ledger.store.claims import PlannedLine
from cme_ledger.store.models import CertificateInfo, Claim, Course, Credit, Profile

ABP = "ABP_MOC_2"

# Test hook: called with the name of each step of the protocol, so tests can inject a crash there.
fault: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if fault is not None:
        fault(name)


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


@dataclass
class Prepared:
    profile: Profile
    credit_type: str
    lines: list[PlannedLine]
    courses: dict[str, Course]

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)


def new_certificate_code() -> str:
    """20 base32 characters (100 random bits) in readable groups: ABCD-EFGH-JKLM-NPQR-STUV."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().rstrip("=")[:20]
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def normalize_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


# ----------------------------------------------------------------------------- preparing


def _check_membership_and_board(profile: Profile | None, credit_type: str) -> Profile:
    if not is_premium(profile):
        raise MembershipRequired()
    assert profile is not None
    if credit_type == ABP:
        missing = []
        board_ids = board_ids_of(profile)
        if not board_ids.get("ABP"):
            missing.append({"field": "board_ids.ABP", "reason": "missing"})
        if not profile.birth_month_day:
            missing.append({"field": "birth_month_day", "reason": "missing"})
        if not profile.first_name:
            missing.append({"field": "first_name", "reason": "missing"})
        if not profile.last_name:
            missing.append({"field": "last_name", "reason": "missing"})
        if missing:
            raise BoardIdRequired(details=missing)
    return profile


def _unavailable_reason(
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


def prepare(user_id: str, request: ClaimInput) -> Prepared:
    """Check a claim against the stored profile and credits, in API.md's order of refusals."""
    profile = _check_membership_and_board(repo.get_profile(user_id), request.credit_type)
    now = clock.now()
    courses = courses_by_id()
    t = request.credit_type
    chosen: list[tuple[Credit, Decimal]] = []
    if request.all:
        for credit in repo.iter_credits(user_id, page_size=1000):
            left = claimable(credit, courses.get(credit.course_id), now).get(t)
            if left:
                chosen.append((credit, left))
        if not chosen:
            raise NothingToClaim()
    else:
        found = repo.get_credits(user_id, (s.credit_id for s in request.selections))
        invalid: list[dict[str, Any]] = []
        unavailable: list[dict[str, Any]] = []
        for index, selection in enumerate(request.selections):
            selected = found.get(selection.credit_id)
            course = courses.get(selected.course_id) if selected else None
            if selected is not None and (course is None or t not in course.credit_types):
                invalid.append(
                    {"field": f"selections[{index}].credit_id", "reason": f"course does not offer {t}"}
                )
                continue
            # The amount's step is judged against what is left before whether it is enough: API.md puts
            # that 422 before 409 credits_unavailable (0.3 of a credit with 0.25 left is a 422). A credit
            # with nothing left (unknown, expired, claimed) has no remainder to judge: it is a 409.
            left = claimable(selected, course, now).get(t, ZERO) if selected is not None else ZERO
            if left > ZERO and selection.amount is not None and not is_valid_part(selection.amount, left):
                invalid.append(
                    {
                        "field": f"selections[{index}].amount",
                        "reason": "not a multiple of 0.25 nor the whole remainder",
                    }
                )
                continue
            reason = _unavailable_reason(selected, course, t, selection.amount, now)
            if reason:
                unavailable.append({"credit_id": selection.credit_id, "reason": reason})
                continue
            assert selected is not None
            chosen.append((selected, selection.amount if selection.amount is not None else left))
        if invalid:
            raise InvalidInput("Some selections cannot be claimed as asked.", invalid)
        if unavailable:
            raise CreditsUnavailable(details=unavailable)
    lines = []
    for credit, amount in chosen:
        course = courses[credit.course_id]
        fills = all(
            credit.claimed.get(code, ZERO) + (amount if code == t else ZERO) >= credit.amount
            for code in course.credit_types
        )
        lines.append(
            PlannedLine(
                credit.credit_id,
                credit.course_id,
                credit.topic,
                credit.earned_at,
                amount,
                credit.amount,
                credit.expiry_pk,
                credit.expiry_sk,
                fills,
            )
        )
    lines.sort(key=lambda ln: (courses[ln.course_id].title, ln.course_id, ln.earned_at, ln.credit_id))
    return Prepared(profile, t, lines, courses)


# ----------------------------------------------------------------------------- views


def _certificates(
    lines: list[PlannedLine], courses: dict[str, Course], codes: dict[str, str] | None
) -> list[dict]:
    grouped: dict[str, list[PlannedLine]] = {}
    for ln in lines:
        grouped.setdefault(ln.course_id, []).append(ln)
    result = []
    for course_id, group in sorted(grouped.items(), key=lambda kv: (_title(courses, kv[0]), kv[0])):
        entry: dict[str, Any] = {
            "course_id": course_id,
            "course_title": _title(courses, course_id),
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
        if codes is not None:
            entry["certificate_code"] = codes.get(course_id)
        result.append(entry)
    return result


def _title(courses: dict[str, Course], course_id: str) -> str:
    course = courses.get(course_id)
    return course.title if course else course_id


def preview_view(prepared: Prepared) -> dict[str, Any]:
    return {
        "display_name": prepared.profile.display_name or "",
        "degree": prepared.profile.degree or "",
        "credit_type": prepared.credit_type,
        "total": to_json_number(prepared.total),
        "certificates": _certificates(prepared.lines, prepared.courses, None),
        "preview_url": None,
    }


def preview(user_id: str, request: ClaimInput) -> tuple[Prepared, dict[str, Any]]:
    """Everything the claim would be, without writing anything."""
    prepared = prepare(user_id, request)
    return prepared, preview_view(prepared)


API_STATUS = {"committed": "processing", "ready": "ready", "failed": "failed"}


def claim_view(claim: Claim, *, first_answer: bool = False) -> dict[str, Any]:
    """GET /claims/{id}; with first_answer, exactly the 201 given when it was committed."""
    lines = store.decode_plan(claim.plan)
    # Titles as copied onto the claim when it was made.
    courses = {
        c.course_id: Course(course_id=c.course_id, title=c.course_title, provider=c.provider, credit_types=[])
        for c in claim.certificates
    }
    codes = {c.course_id: c.code for c in claim.certificates}
    board = None
    if claim.credit_type == ABP:
        board = {"board": "ABP", "status": "queued" if first_answer else (claim.board_report or "queued")}
    return {
        "claim_id": claim.claim_id,
        "claimed_at": claim.claimed_at,
        "credit_type": claim.credit_type,
        "display_name": claim.display_name,
        "degree": claim.degree,
        "total": to_json_number(claim.total),
        "earned_from": claim.earned_from,
        "earned_to": claim.earned_to,
        "status": "processing" if first_answer else API_STATUS.get(claim.status, "processing"),
        "certificates": _certificates(lines, courses, codes),
        "sha256": None if first_answer else claim.sha256,
        "evaluation_submitted": False if first_answer else claim.evaluation_submitted_at is not None,
        "board_report": board,
    }


def list_item_view(claim: Claim) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "claimed_at": claim.claimed_at,
        "credit_type": claim.credit_type,
        "total": to_json_number(claim.total),
        "earned_from": claim.earned_from,
        "earned_to": claim.earned_to,
        "course_titles": list(claim.course_titles),
        "status": API_STATUS.get(claim.status, "processing"),
    }


# ----------------------------------------------------------------------------- claiming


def claim_id_for(user_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return "cl_" + secrets.token_hex(12)
    digest = hashlib.sha256(f"{user_id}\x00{idempotency_key}".encode()).hexdigest()
    return "cl_" + digest[:24]


def request_hash(request: ClaimInput) -> str:
    return hashlib.sha256(json.dumps(request.canonical, sort_keys=True).encode()).hexdigest()


def create_claim(user_id: str, request: ClaimInput, idempotency_key: str | None) -> dict[str, Any]:
    """Claim credit all or nothing. Returns the 201 body; raises the refusal otherwise.

    With an Idempotency-Key the claim id is derived from (learner, key): the claim record is the
    idempotency record, so a retry replays the first answer, and a retry after a crash resumes the
    very same claim instead of making a second one.
    """
    claim_id = claim_id_for(user_id, idempotency_key)
    digest = request_hash(request)
    if idempotency_key is not None:
        existing = store.get_claim(user_id, claim_id)
        if existing is not None:
            return _replay(existing, digest)
    try:
        prepared = prepare(user_id, request)
    except DomainError as refusal:
        if idempotency_key is not None and not _record_refusal(user_id, claim_id, request, digest, refusal):
            existing = store.get_claim(user_id, claim_id)
            if existing is not None:
                return _replay(existing, digest)
        raise
    claim = _pending_record(user_id, claim_id, digest, prepared)
    if not store.create_pending(claim):
        existing = store.get_claim(user_id, claim_id)
        assert existing is not None
        return _replay(existing, digest)
    _step("pending")
    return _run(claim, prepared.lines)


def _pending_record(user_id: str, claim_id: str, digest: str, prepared: Prepared) -> Claim:
    now = clock.now()
    lines = prepared.lines
    certs = []
    for entry in _certificates(lines, prepared.courses, None):
        course = prepared.courses[entry["course_id"]]
        certs.append(
            CertificateInfo(
                course_id=course.course_id,
                course_title=course.title,
                provider=course.provider,
                total=sum((ln.amount for ln in lines if ln.course_id == course.course_id), ZERO),
                code=new_certificate_code(),
            )
        )
    profile = prepared.profile
    board_ids = board_ids_of(profile)
    return Claim(
        keys.user_pk(user_id),
        keys.claim_sk(claim_id),
        user_id=user_id,
        claim_id=claim_id,
        credit_type=prepared.credit_type,
        status="pending",
        request_hash=digest,
        display_name=profile.display_name or "",
        degree=profile.degree or "",
        first_name=profile.first_name or "",
        last_name=profile.last_name or "",
        abp_id=board_ids.get("ABP") if prepared.credit_type == ABP else None,
        birth_month_day=profile.birth_month_day if prepared.credit_type == ABP else None,
        total=prepared.total,
        line_count=len(lines),
        chunk_count=len(store.chunks(lines)),
        plan=store.encode_plan(lines),
        created_at=clock.iso(now),
        earned_from=min(ln.earned_at for ln in lines),
        earned_to=max(ln.earned_at for ln in lines),
        course_titles=[c.course_title for c in certs],
        certificates=certs,
        work_pk=keys.WORK_PENDING_CLAIMS,
        work_sk=f"{clock.iso(now)}#{user_id}#{claim_id}",
    )


def _record_refusal(
    user_id: str, claim_id: str, request: ClaimInput, digest: str, refusal: DomainError
) -> bool:
    """Remember a refusal under the idempotency key, so a retry answers the same. False if taken."""
    now = clock.iso(clock.now())
    record = Claim(
        keys.user_pk(user_id),
        keys.claim_sk(claim_id),
        user_id=user_id,
        claim_id=claim_id,
        credit_type=request.credit_type,
        status="refused",
        request_hash=digest,
        total=ZERO,
        line_count=0,
        chunk_count=0,
        plan=store.encode_plan([]),
        created_at=now,
        earned_from=now,
        earned_to=now,
        failure={"code": refusal.code, "message": refusal.message, "details": refusal.details},
    )
    return store.create_pending(record)


def _stored_refusal(claim: Claim) -> DomainError:
    failure = (
        claim.failure.as_dict() if claim.failure is not None and hasattr(claim.failure, "as_dict") else {}
    )
    failure = failure or (dict(claim.failure) if claim.failure else {})
    for cls in (MembershipRequired, BoardIdRequired, InvalidInput, NothingToClaim, CreditsUnavailable):
        if cls.code == failure.get("code"):
            return cls(str(failure.get("message") or cls.message), _plain_details(failure.get("details")))
    return CreditsUnavailable(details=_plain_details(failure.get("details")))


def _plain_details(details: Any) -> list[dict[str, Any]]:
    out = []
    for entry in details or []:
        entry = entry.as_dict() if hasattr(entry, "as_dict") else dict(entry)
        out.append({k: (str(v) if not isinstance(v, str) else v) for k, v in entry.items()})
    return out


def _replay(claim: Claim, digest: str) -> dict[str, Any]:
    if claim.request_hash != digest:
        raise IdempotencyKeyMismatch()
    if claim.status in ("committed", "ready", "failed"):
        return claim_view(claim, first_answer=True)
    if claim.status in ("refused", "cancelled"):
        raise _stored_refusal(claim)
    if claim.status == "cancelling":
        cancel(claim, None)
        raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or claim)
    # pending: still running, or left half way by a process that died.
    age = clock.now() - clock.parse_iso(claim.created_at)
    if age < timedelta(seconds=get_settings().claim_stale_seconds):
        raise RequestInProgress()
    return resume(claim)


def resume(claim: Claim) -> dict[str, Any]:
    """Finish a pending claim from its stored plan (or undo it if its credits are gone)."""
    return _run(claim, store.decode_plan(claim.plan))


def _run(claim: Claim, lines: list[PlannedLine]) -> dict[str, Any]:
    now_iso = clock.iso(clock.now())
    for page, chunk in enumerate(store.chunks(lines)):
        try:
            store.apply_chunk(claim.user_id, claim.claim_id, claim.credit_type, page, chunk, now_iso)
        except store.ChunkConflict as conflict:
            refusal = _diagnose(claim, chunk, conflict.credit_ids)
            cancel(claim, refusal)
            raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or claim) from None
        except store.ClaimMoved:
            return _settled(claim)
        _step(f"chunk:{page}")
    _stamp_commit(claim, lines)
    if not store.commit(claim, board_entry=claim.credit_type == ABP):
        return _settled(claim)
    _step("commit")
    queue.send_render(claim.user_id, claim.claim_id)
    claim.status = "committed"
    return claim_view(claim, first_answer=True)


def _settled(claim: Claim) -> dict[str, Any]:
    """Another process moved the claim on: answer with what it became."""
    current = store.get_claim(claim.user_id, claim.claim_id)
    if current is None:
        raise NotFound()
    if current.status in ("committed", "ready", "failed"):
        return claim_view(current, first_answer=True)
    if current.status == "cancelling":
        cancel(current, None)
    raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or current)


def _stamp_commit(claim: Claim, lines: list[PlannedLine]) -> None:
    claimed_at = clock.iso(clock.now())
    claim.claimed_at = claimed_at
    claim.by_claimed = keys.claims_by_claimed(claimed_at, claim.claim_id)
    claim.by_year = keys.claims_by_year(claim.earned_from, claimed_at, claim.claim_id)
    claim.by_credits = keys.claims_by_credits(int(claim.total * 100), claimed_at, claim.claim_id)


def _diagnose(claim: Claim, chunk: list[PlannedLine], credit_ids: list[str]) -> CreditsUnavailable:
    now = clock.now()
    courses = courses_by_id()
    asked = {ln.credit_id: ln.amount for ln in chunk}
    found = repo.get_credits(claim.user_id, credit_ids)
    details = []
    for credit_id in credit_ids:
        credit = found.get(credit_id)
        if credit is not None and claim.claim_id in credit.parts:
            continue
        reason = _unavailable_reason(
            credit,
            courses.get(credit.course_id) if credit else None,
            claim.credit_type,
            asked.get(credit_id),
            now,
        )
        if reason:
            details.append({"credit_id": credit_id, "reason": reason})
    if not details:
        details = [{"credit_id": cid, "reason": "insufficient"} for cid in credit_ids]
    return CreditsUnavailable(details=details)


def cancel(claim: Claim, refusal: DomainError | None) -> None:
    """Undo every applied chunk of a pending (or cancelling) claim; it ends cancelled."""
    failure = (
        {"code": refusal.code, "message": refusal.message, "details": refusal.details} if refusal else None
    )
    extra: dict[str, Any] = {"failure": failure} if failure else {}
    moved = store.set_status(claim.user_id, claim.claim_id, "cancelling", ("pending", "cancelling"), **extra)
    if not moved:
        return
    _step("cancelling")
    lines = store.decode_plan(claim.plan)
    for page in range(int(claim.chunk_count)):
        store.void_or_undo_page(claim.user_id, claim.claim_id, claim.credit_type, page)
        _step(f"undo:{page}")
    store.restore_index_keys(claim.user_id, lines, clock.iso(clock.now()))
    store.set_status(claim.user_id, claim.claim_id, "cancelled", ("cancelling",), work_pk=None, work_sk=None)


def recover(older_than_seconds: int | None = None) -> dict[str, int]:
    """Finish or undo claims left half way; re-queue committed claims still without a certificate."""
    settings = get_settings()
    now = clock.now()
    finished = undone = requeued = 0
    cutoff = clock.iso(now - timedelta(seconds=older_than_seconds or settings.claim_stale_seconds))
    for pk, sk in list(store.work_items(keys.WORK_PENDING_CLAIMS, cutoff)):
        claim = store.get_claim(pk.removeprefix("USER#"), sk.removeprefix(keys.CLAIM_PREFIX))
        if claim is None:
            continue
        try:
            if claim.status == "pending":
                resume(claim)
                finished += 1
            elif claim.status == "cancelling":
                cancel(claim, None)
                undone += 1
        except DomainError:
            undone += 1
    render_cutoff = clock.iso(now - timedelta(seconds=settings.render_stale_seconds))
    for pk, sk in list(store.work_items(keys.WORK_RENDER, render_cutoff)):
        queue.send_render(pk.removeprefix("USER#"), sk.removeprefix(keys.CLAIM_PREFIX))
        requeued += 1
    return {"finished": finished, "undone": undone, "requeued": requeued}


# ----------------------------------------------------------------------------- reading claims


def get_claim(user_id: str, claim_id: str) -> Claim:
    claim = store.get_claim(user_id, claim_id, consistent=False)
    if claim is None or claim.status not in API_STATUS:
        raise NotFound("No such claim.")
    return claim


def list_claims(
    user_id: str, sort: str, order: str, limit: int, after: dict[str, str] | None
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    claims, last = store.query_claims(user_id, sort, order == "asc", limit, after)
    return [list_item_view(c) for c in claims], last


def submit_evaluation(user_id: str, claim_id: str, evaluation: dict[str, Any]) -> dict[str, Any]:
    get_claim(user_id, claim_id)
    submitted_at = clock.iso(clock.now())
    if not store.save_evaluation(user_id, claim_id, evaluation, submitted_at):
        raise EvaluationExists()
    return {"claim_id": claim_id, "submitted_at": submitted_at}
