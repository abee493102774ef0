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
from cme_ledger.domain.claim_plan import (
    Chunk,
    CourseSnapshot,
    PlannedLine,
    cut_chunks,
    listed_titles,
    order_lines,
)
from cme_ledger.domain.credits import claimable, expiry_index_keys, is_expired
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
from cme_ledger.domain.expiry import unclaimed_per_type
from cme_ledger.domain.profiles import board_ids_of, display_name_of, is_premium
from cme_ledger.store import claims as store
from cme_ledger.store import keys, queue, repo
from cme_ledger.store.models import Claim, ClaimLinePage, Course, Credit, Profile

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
    display_name: str  # the learner's name as printed: theirs, or the token's until they set one
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


def prepare(user_id: str, request: ClaimInput, token_name: str = "") -> Prepared:
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
    lines = [planned_line(credit, courses[credit.course_id], t, amount) for credit, amount in chosen]
    titles = {cid: c.title for cid, c in courses.items()}
    return Prepared(profile, display_name_of(profile, token_name), t, order_lines(lines, titles), courses)


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
        expiry_pk=credit.expiry_pk,
        expiry_sk=credit.expiry_sk,
        fills=fills,
    )


# ----------------------------------------------------------------------------- views


def _certificates(
    lines: list[Any], courses: dict[str, tuple[str, str | None]], with_codes: bool
) -> list[dict[str, Any]]:
    """Certificates of a claim in title order; `courses` maps a course id to (title, code)."""
    grouped: dict[str, list[Any]] = {}
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
        "certificates": _certificates(
            prepared.lines, {cid: (c.title, None) for cid, c in prepared.courses.items()}, False
        ),
        "preview_url": None,
    }


def preview(user_id: str, request: ClaimInput, token_name: str = "") -> tuple[Prepared, dict[str, Any]]:
    """Everything the claim would be, without writing anything."""
    prepared = prepare(user_id, request, token_name)
    return prepared, preview_view(prepared)


API_STATUS = {"committed": "processing", "ready": "ready", "failed": "failed"}


@dataclass(frozen=True)
class StoredClaim:
    """A claim as stored: its record and its applied pages (lines, and the courses' snapshots)."""

    claim: Claim
    pages: list[ClaimLinePage]

    @property
    def lines(self) -> list[Any]:
        return [line for page in self.pages if page.state == "applied" for line in page.lines]

    @property
    def courses(self) -> dict[str, Any]:
        """course id -> its snapshot (title, provider, code)."""
        return {c.course_id: c for page in self.pages if page.state == "applied" for c in page.courses}


def load_claim(claim: Claim) -> StoredClaim:
    return StoredClaim(claim, store.get_pages(claim.user_id, claim.claim_id))


def claim_view(stored: StoredClaim, *, first_answer: bool = False) -> dict[str, Any]:
    """GET /claims/{id}; with first_answer, exactly the 201 given when it was committed."""
    claim = stored.claim
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
        "total": to_json_number(claim.total),
        "earned_from": claim.earned_from,
        "earned_to": claim.earned_to,
        "status": "processing" if first_answer else API_STATUS.get(claim.status, "processing"),
        "certificates": _certificates(stored.lines, courses, True),
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
        "course_titles": list(claim.course_titles)
        if claim.course_titles is not None
        else sorted(c.title for c in load_claim(claim).courses.values()),
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


def create_claim(
    user_id: str, request: ClaimInput, idempotency_key: str | None, token_name: str = ""
) -> dict[str, Any]:
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
        prepared = prepare(user_id, request, token_name)
    except DomainError as refusal:
        if idempotency_key is not None and not _record_refusal(user_id, claim_id, request, digest, refusal):
            existing = store.get_claim(user_id, claim_id)
            if existing is not None:
                return _replay(existing, digest)
        raise
    chunks = cut_chunks(prepared.lines, _snapshots(prepared.courses))
    claim = _pending_record(user_id, claim_id, digest, prepared, chunks)
    if not store.create_pending(claim):
        existing = store.get_claim(user_id, claim_id)
        assert existing is not None
        return _replay(existing, digest)
    _step("pending")
    return _run(claim, chunks)


def _snapshots(courses: dict[str, Course]) -> Callable[[str], CourseSnapshot]:
    """Each course's snapshot as the claim prints it, with a new certificate code."""

    def snapshot(course_id: str) -> CourseSnapshot:
        course = courses.get(course_id)
        title, provider = (course.title, course.provider) if course else (course_id, "")
        return CourseSnapshot(course_id, title, provider, new_certificate_code())

    return snapshot


def _pending_record(
    user_id: str, claim_id: str, digest: str, prepared: Prepared, chunks: list[Chunk]
) -> Claim:
    now = clock.now()
    lines = prepared.lines
    profile = prepared.profile
    board_ids = board_ids_of(profile)
    titles = sorted(c.title for chunk in chunks for c in chunk.courses)
    return Claim(
        keys.user_pk(user_id),
        keys.claim_sk(claim_id),
        user_id=user_id,
        claim_id=claim_id,
        credit_type=prepared.credit_type,
        status="pending",
        request_hash=digest,
        display_name=prepared.display_name,
        degree=profile.degree or "",
        first_name=profile.first_name or "",
        last_name=profile.last_name or "",
        abp_id=board_ids.get("ABP") if prepared.credit_type == ABP else None,
        birth_month_day=profile.birth_month_day if prepared.credit_type == ABP else None,
        total=prepared.total,
        line_count=len(lines),
        chunk_count=len(chunks),
        course_count=len(titles),
        plan=store.encode_plan(chunks),
        created_at=clock.iso(now),
        earned_from=min(ln.earned_at for ln in lines),
        earned_to=max(ln.earned_at for ln in lines),
        course_titles=listed_titles(titles),
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
        course_titles=[],
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
        return claim_view(load_claim(claim), first_answer=True)
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
    """Finish a pending claim from its stored plan (or undo it if its credits are gone).

    The chunks applied already are in their pages; the rest are rebuilt from the plan (which credit,
    how much) and the credits as they are now, which is what their writes are conditioned on.
    """
    pages = {page.page: page for page in store.get_pages(claim.user_id, claim.claim_id)}
    plan = store.decode_plan(claim.plan)
    done = 0
    while done < len(plan) and done in pages and pages[done].state == "applied":
        done += 1
    rest = [entry for chunk in plan[done:] for entry in chunk]
    found = repo.get_credits(claim.user_id, (credit_id for credit_id, _ in rest))
    courses = courses_by_id()
    lines = []
    for credit_id, amount in rest:
        credit = found.get(credit_id)
        course = courses.get(credit.course_id) if credit else None
        if credit is None or course is None:
            cancel(claim, CreditsUnavailable(details=[{"credit_id": credit_id, "reason": "unknown"}]))
            raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or claim)
        lines.append(planned_line(credit, course, claim.credit_type, amount))
    by_id = {ln.credit_id: ln for ln in lines}
    known = {c.course_id for page in pages.values() if page.state == "applied" for c in page.courses}
    snapshot = _snapshots(courses)
    chunks = []
    for index, entries in enumerate(plan[done:], start=done):
        # The chunks of the plan, as planned: a chunk applied twice or a line in two chunks is
        # impossible even if titles changed since.
        chunk_lines = [by_id[credit_id] for credit_id, _ in entries]
        new_courses = []
        for ln in chunk_lines:
            if ln.course_id not in known:
                known.add(ln.course_id)
                new_courses.append(snapshot(ln.course_id))
        chunks.append(Chunk(index, tuple(chunk_lines), tuple(new_courses)))
    return _run(claim, chunks)


def _run(claim: Claim, chunks: list[Chunk]) -> dict[str, Any]:
    for chunk in chunks:
        try:
            # The clock is read for each write: a credit whose window closes while a long claim runs
            # cannot be taken after that instant (DESIGN invariant 4).
            store.apply_chunk(claim.user_id, claim.claim_id, claim.credit_type, chunk, clock.iso(clock.now()))
        except store.ChunkConflict as conflict:
            refusal = _diagnose(claim, list(chunk.lines), conflict.credit_ids)
            cancel(claim, refusal)
            raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or claim) from None
        except store.ClaimMoved:
            return _settled(claim)
        _step(f"chunk:{chunk.index}")
    stored = load_claim(claim)
    _stamp_commit(claim)
    if not store.commit(claim, _certificate_records(stored), board_entry=claim.credit_type == ABP):
        return _settled(claim)
    _step("commit")
    queue.send_render(claim.user_id, claim.claim_id)
    claim.status = "committed"
    return claim_view(stored, first_answer=True)


def _certificate_records(stored: StoredClaim) -> list[store.CertificateRecord]:
    totals: dict[str, Decimal] = {}
    for line in stored.lines:
        totals[line.course_id] = totals.get(line.course_id, ZERO) + line.amount
    return [
        store.CertificateRecord(c.code, c.course_id, c.title, c.provider, totals.get(c.course_id, ZERO))
        for c in stored.courses.values()
    ]


def _settled(claim: Claim) -> dict[str, Any]:
    """Another process moved the claim on: answer with what it became."""
    current = store.get_claim(claim.user_id, claim.claim_id)
    if current is None:
        raise NotFound()
    if current.status in ("committed", "ready", "failed"):
        return claim_view(load_claim(current), first_answer=True)
    if current.status == "cancelling":
        cancel(current, None)
    raise _stored_refusal(store.get_claim(claim.user_id, claim.claim_id) or current)


def _stamp_commit(claim: Claim) -> None:
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
    for page in range(int(claim.chunk_count)):
        store.void_or_undo_page(claim.user_id, claim.claim_id, claim.credit_type, page)
        _step(f"undo:{page}")
    # Every undone page, also those a process that died half way undid: reopening is idempotent.
    pages = store.get_pages(claim.user_id, claim.claim_id)
    _reopen(claim.user_id, [line.credit_id for p in pages if p.state == "undone" for line in p.lines])
    store.set_status(claim.user_id, claim.claim_id, "cancelled", ("cancelling",), work_pk=None, work_sk=None)


def _reopen(user_id: str, credit_ids: list[str]) -> None:
    """Credits an undone claim had taken out of the expiry index go back in, or, when their window
    closed meanwhile, are marked expired (the sweep reads only the index: docs/expiry.md)."""
    if not credit_ids:
        return
    now = clock.now()
    courses = courses_by_id()
    reindexed = []
    for credit in repo.get_credits(user_id, credit_ids).values():
        if credit.expiry_pk or credit.expired_at:
            continue  # still indexed (the claim did not fill it), or marked expired already
        course = courses.get(credit.course_id)
        if is_expired(credit, now):
            unclaimed = unclaimed_per_type(credit.amount, credit.claimed, course)
            store.expire_unindexed(user_id, credit.credit_id, unclaimed, clock.iso(now))
        elif claimable(credit, course, now):
            reindexed.append(
                (credit.credit_id, *expiry_index_keys(user_id, credit.credit_id, credit.expires_at))
            )
    store.restore_index_keys(user_id, reindexed)


def recover(older_than_seconds: int | None = None) -> dict[str, int]:
    """Finish or undo claims left half way; re-queue committed claims still without a certificate."""
    settings = get_settings()
    now = clock.now()
    finished = undone = requeued = 0
    cutoff = clock.iso(now - timedelta(seconds=older_than_seconds or settings.claim_stale_seconds))
    for pk, sk in list(store.work_items(keys.WORK_PENDING_CLAIMS, cutoff)):
        claim = store.get_claim(keys.user_of(pk), keys.claim_of(sk))
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
        queue.send_render(keys.user_of(pk), keys.claim_of(sk))
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
