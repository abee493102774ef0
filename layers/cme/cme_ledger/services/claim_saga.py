"""The claim protocol (docs/adr/0001-claim-protocol.md): write a small claim whole in one transaction,
or a large one chunk by chunk with its bookkeeping riding in the chunks; undo it; resume one a
process left half way. Each step is one call into the store; every
decision (what a chunk holds, why a chunk was refused) is the pure domain's.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from cme_ledger import clock, runtime
from cme_ledger.domain.claim_decision import (
    certificate_code,
    certificate_entries,
    diagnose,
    failure_of,
    planned_line,
    stored_refusal,
)
from cme_ledger.domain.claim_plan import Chunk, Plan, applied_page, commit_fits
from cme_ledger.domain.claim_views import claim_view
from cme_ledger.domain.credits import claimable, is_expired, unclaimed_per_type
from cme_ledger.domain.errors import CreditsUnavailable, DomainError, NotFound
from cme_ledger.domain.model import ClaimPage, ClaimRecord, Course, CourseSnapshot, StoredClaim
from cme_ledger.services import reminders
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import claim_writes as writes
from cme_ledger.store import claims as store
from cme_ledger.store import credits as credit_store
from cme_ledger.store import queue


def new_certificate_code() -> str:
    """100 random bits (from `secrets`, never a generator seeded at start) as 20 base32 characters."""
    return certificate_code(base64.b32encode(secrets.token_bytes(15)).decode().rstrip("=")[:20])


def snapshots(courses: Mapping[str, Course]) -> Callable[[str], CourseSnapshot]:
    """Each course's snapshot as the claim prints it, with a new certificate code."""

    def snapshot(course_id: str) -> CourseSnapshot:
        course = courses.get(course_id)
        title, provider = (course.title, course.provider) if course else (course_id, "")
        return CourseSnapshot(course_id, title, provider, new_certificate_code())

    return snapshot


def start(record: ClaimRecord, plan: Plan, catalogue_version: int) -> dict[str, Any]:
    """Write a planned claim: the 201 answer, or the refusal.

    A claim that fits one transaction is written whole in it, committed (no pending record, no
    separate commit). A larger one puts its pending record in its first chunk's transaction, and
    both prove the catalogue unchanged there. Nothing is written when that first transaction fails:
    a credit conflict is refused as it is, `writes.ClaimExists` and `writes.CatalogueChanged` go to
    the caller (replay; retry with a fresh catalogue).
    """
    first = plan.chunks[0]
    now = clock.iso(clock.now())
    page = applied_page(record.user_id, record.claim_id, first, now)
    if plan.single:
        committed = _committing(record, now)
        stored = StoredClaim(committed, (page,))
        riders = writes.Riders(
            record=committed,
            certificates=tuple(certificate_entries(stored)),
            catalogue_version=catalogue_version,
        )
    else:
        stored = StoredClaim(record, (page,))
        riders = writes.Riders(record=record, catalogue_version=catalogue_version)
    try:
        writes.apply_chunk(record.user_id, record.claim_id, record.credit_type, first, now, riders)
    except writes.ChunkConflict as conflict:
        raise _diagnosed(record, first, conflict) from None
    if plan.single:
        return _committed(stored)
    runtime.step(f"chunk:{first.index}")
    return run(record, plan.chunks[1:], stored.pages)


def run(record: ClaimRecord, chunks: list[Chunk], applied: tuple[ClaimPage, ...]) -> dict[str, Any]:
    """Apply a pending claim's remaining chunks in order, the commit riding in the last one when it
    has room (else one more transaction); the 201 answer, or the refusal once undone. `applied`:
    the pages of the chunks applied before."""
    pages = list(applied)
    for position, chunk in enumerate(chunks):
        # The clock is read for each write: a credit whose window closes while a long claim runs
        # cannot be taken after that instant (DESIGN invariant 4).
        now = clock.iso(clock.now())
        page = applied_page(record.user_id, record.claim_id, chunk, now)
        riders = writes.Riders()
        last = position == len(chunks) - 1
        if last:
            committed = _committing(record, now)
            certificates = certificate_entries(StoredClaim(committed, (*pages, page)))
            if commit_fits(len(chunk.lines), len(certificates), bool(record.board_report)):
                riders = writes.Riders(commit=committed, certificates=tuple(certificates))
        try:
            outcome = writes.apply_chunk(
                record.user_id, record.claim_id, record.credit_type, chunk, now, riders
            )
        except writes.ChunkConflict as conflict:
            cancel(record, _diagnosed(record, chunk, conflict))
            raise _refusal_of(record) from None
        except writes.ClaimMoved:
            return settled(record)
        if outcome == "already":  # applied by an earlier process (resumed): its page is the truth
            page = writes.get_page(record.user_id, record.claim_id, chunk.index) or page
            riders = writes.Riders()
        pages.append(page)
        runtime.step(f"chunk:{chunk.index}")
        if riders.commit is not None:
            return _committed(StoredClaim(riders.commit, tuple(pages)))
    stored = StoredClaim(record, tuple(pages))
    committed = _committing(record, clock.iso(clock.now()))
    if not writes.commit(committed, certificate_entries(replace(stored, record=committed))):
        return settled(record)
    return _committed(replace(stored, record=committed))


def _committing(record: ClaimRecord, claimed_at: str) -> ClaimRecord:
    return replace(record, status="committed", claimed_at=claimed_at, render_queued=True)


def _committed(stored: StoredClaim) -> dict[str, Any]:
    """The claim is committed: queue its rendering and answer (recovery re-queues it if this process
    dies first; a retry with the same key too)."""
    runtime.step("commit")
    queue.send_render(stored.record.user_id, stored.record.claim_id)
    return claim_view(stored, first_answer=True)


def _diagnosed(record: ClaimRecord, chunk: Chunk, conflict: writes.ChunkConflict) -> DomainError:
    """Why the credits of a refused chunk could not be taken, as they are now."""
    asked = {ln.credit_id: ln.amount for ln in chunk.lines if ln.credit_id in conflict.credit_ids}
    found = credit_store.get_credits(record.user_id, asked)
    return diagnose(record.claim_id, record.credit_type, asked, found, courses_by_id(), clock.now())


def resume(record: ClaimRecord) -> dict[str, Any]:
    """Finish a pending claim from its stored plan (or undo it if its credits are gone).

    The chunks applied already are in their pages; the rest are rebuilt from the plan (which credit,
    how much) and the credits as they are now, which is what their writes are conditioned on.
    """
    pages = {page.index: page for page in store.get_pages(record.user_id, record.claim_id)}
    plan = record.plan
    done = 0
    while done < len(plan) and done in pages and pages[done].state == "applied":
        done += 1
    rest = [entry for chunk in plan[done:] for entry in chunk]
    found = credit_store.get_credits(record.user_id, (credit_id for credit_id, _ in rest))
    courses = courses_by_id()
    lines = {}
    for credit_id, amount in rest:
        credit = found.get(credit_id)
        course = courses.get(credit.course_id) if credit else None
        if credit is None or course is None:
            cancel(record, CreditsUnavailable(details=[{"credit_id": credit_id, "reason": "unknown"}]))
            raise _refusal_of(record)
        lines[credit_id] = planned_line(credit, course, record.credit_type, amount)
    known = {c.course_id for page in pages.values() if page.state == "applied" for c in page.courses}
    snapshot = snapshots(courses)
    chunks = []
    for index, entries in enumerate(plan[done:], start=done):
        # The chunks as planned: a chunk applied twice or a line in two chunks is impossible, even
        # if titles changed since.
        chunk_lines = [lines[credit_id] for credit_id, _ in entries]
        new_courses = []
        for ln in chunk_lines:
            if ln.course_id not in known:
                known.add(ln.course_id)
                new_courses.append(snapshot(ln.course_id))
        chunks.append(Chunk(index, tuple(chunk_lines), tuple(new_courses)))
    applied = tuple(pages[i] for i in range(done))
    return run(record, chunks, applied)


def settled(record: ClaimRecord) -> dict[str, Any]:
    """Another process moved the claim on: answer with what it became."""
    current = store.get_claim(record.user_id, record.claim_id)
    if current is None:
        raise NotFound()
    if current.status in ("committed", "ready", "failed"):
        return claim_view(store.load(current), first_answer=True)
    if current.status == "cancelling":
        cancel(current, None)
    raise _refusal_of(current)


def cancel(record: ClaimRecord, refusal: DomainError | None) -> None:
    """Undo every applied chunk of a pending (or cancelling) claim; it ends cancelled."""
    failure = failure_of(refusal) if refusal else None
    if not store.set_status(
        record.user_id, record.claim_id, "cancelling", ("pending", "cancelling"), failure=failure
    ):
        return
    runtime.step("cancelling")
    for page in range(record.chunk_count):
        store.void_or_undo_page(record.user_id, record.claim_id, record.credit_type, page)
        runtime.step(f"undo:{page}")
    # Every undone page, also those a process that died half way undid: reopening is idempotent.
    pages = store.get_pages(record.user_id, record.claim_id)
    _reopen(record.user_id, [line.credit_id for p in pages if p.state == "undone" for line in p.lines])
    store.set_status(record.user_id, record.claim_id, "cancelled", ("cancelling",))


def _reopen(user_id: str, credit_ids: list[str]) -> None:
    """Credits an undone claim had taken out of the expiry index go back in, or, when their window
    closed meanwhile, are marked expired (the sweep reads only the index: docs/expiry.md)."""
    if not credit_ids:
        return
    now = clock.now()
    courses = courses_by_id()
    reopened = []
    for credit in credit_store.get_credits(user_id, credit_ids).values():
        if credit.indexed or credit.expired_at:
            continue  # still indexed (the claim did not fill it), or marked expired already
        course = courses.get(credit.course_id)
        if is_expired(credit, now):
            unclaimed = unclaimed_per_type(credit.amount, credit.claimed, course)
            credit_store.expire_unindexed(credit, unclaimed, clock.iso(now))
        elif claimable(credit, course, now):
            reopened.append(credit)
    credit_store.reindex(reopened)
    reminders.note_entered_index(reopened)


def _refusal_of(record: ClaimRecord) -> DomainError:
    """The refusal stored on the claim as it is now."""
    return stored_refusal(store.get_claim(record.user_id, record.claim_id) or record)
