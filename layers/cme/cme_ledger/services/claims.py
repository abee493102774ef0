"""Claiming credit, and reading and evaluating claims: load, decide in the domain, write."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from cme_ledger import clock
from cme_ledger.config import get_settings
from cme_ledger.domain import claim_decision as decide
from cme_ledger.domain import claim_plan
from cme_ledger.domain.claim_decision import ClaimInput, Prepared
from cme_ledger.domain.claim_views import API_STATUS, claim_view, list_item_view, preview_view
from cme_ledger.domain.errors import (
    DomainError,
    EvaluationExists,
    IdempotencyKeyMismatch,
    NotFound,
    RequestInProgress,
)
from cme_ledger.domain.model import ClaimRecord, StoredClaim
from cme_ledger.domain.profiles import ABP
from cme_ledger.services import claim_saga as saga
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import claim_writes as writes
from cme_ledger.store import claims as store
from cme_ledger.store import learner, queue

CATALOGUE_ATTEMPTS = 3  # a claim decided with a stale catalogue is decided again with a fresh one


def prepare(user_id: str, request: ClaimInput, token_name: str = "") -> Prepared:
    """Check a claim against the stored profile and credits, in API.md's order of refusals."""
    return _prepared(user_id, request, token_name)[0]


def _prepared(
    user_id: str, request: ClaimInput, token_name: str, fresh: bool = False
) -> tuple[Prepared, int]:
    """The claim decided, and the catalogue version it was decided with. One read of the learner
    (profile and credits together); the catalogue from this environment's copy unless `fresh`."""
    now = clock.now()
    wanted = None if request.all else [s.credit_id for s in request.selections]
    claimant = learner.read_claimant(user_id, wanted)
    profile = decide.check_claimant(claimant.profile, request.credit_type, now)
    courses = courses_by_id(fresh)
    if request.all:
        chosen = decide.decide_all(request.credit_type, claimant.credits.values(), courses, now)
    else:
        chosen = decide.decide_selections(
            request.credit_type, request.selections, claimant.credits, courses, now
        )
    return decide.prepared(profile, token_name, request.credit_type, chosen, courses), courses.version


def preview(user_id: str, request: ClaimInput, token_name: str = "") -> tuple[Prepared, dict[str, Any]]:
    """Everything the claim would be, without writing anything."""
    prepared = prepare(user_id, request, token_name)
    return prepared, preview_view(prepared)


def create_claim(
    user_id: str, request: ClaimInput, idempotency_key: str | None, token_name: str = ""
) -> dict[str, Any]:
    """Claim credit all or nothing. Returns the 201 body; raises the refusal otherwise.

    With an Idempotency-Key the claim id is derived from (learner, key): the claim record is the
    idempotency record, so a retry replays the first answer, and a retry after a crash resumes the
    very same claim instead of making a second one. The record is written by the claim's first
    transaction (condition: absent), so a retry costs no read until it meets it.
    """
    keyed = idempotency_key is not None
    claim_id = (
        decide.claim_id_for(user_id, idempotency_key)
        if idempotency_key is not None
        else "cl_" + secrets.token_hex(12)
    )
    digest = decide.request_hash(request)
    try:
        return _write(user_id, claim_id, digest, request, token_name)
    except writes.ClaimExists:
        pass
    except DomainError as refusal:
        if not keyed:
            raise
        kept = decide.refusal_record(user_id, claim_id, request, digest, refusal, clock.now())
        if store.create_pending(kept):
            raise
    return _replay_stored(user_id, claim_id, digest)


def _write(user_id: str, claim_id: str, digest: str, request: ClaimInput, token_name: str) -> dict[str, Any]:
    """Decide and write the claim; decided again with a fresh catalogue if it changed meanwhile."""
    for attempt in range(CATALOGUE_ATTEMPTS):
        prepared, version = _prepared(user_id, request, token_name, fresh=attempt > 0)
        plan = claim_plan.plan(
            prepared.lines, saga.snapshots(prepared.courses), board=prepared.credit_type == ABP
        )
        record = decide.pending_record(user_id, claim_id, digest, prepared, plan.chunks, clock.now())
        try:
            return saga.start(record, plan, version)
        except writes.CatalogueChanged:
            continue
    raise RuntimeError("the catalogue kept changing while the claim was decided")


def _replay_stored(user_id: str, claim_id: str, digest: str) -> dict[str, Any]:
    existing = store.get_claim(user_id, claim_id)
    if existing is None:  # written and gone: cannot happen (records are never deleted)
        raise RequestInProgress()
    return _replay(existing, digest)


def _replay(record: ClaimRecord, digest: str) -> dict[str, Any]:
    if record.request_hash != digest:
        raise IdempotencyKeyMismatch()
    if record.status in API_STATUS:
        if record.status == "committed":
            # The process that committed it may have died before queueing its rendering.
            queue.send_render(record.user_id, record.claim_id)
        return claim_view(store.load(record), first_answer=True)
    if record.status in ("refused", "cancelled"):
        raise decide.stored_refusal(record)
    if record.status == "cancelling":
        saga.cancel(record, None)
        raise decide.stored_refusal(store.get_claim(record.user_id, record.claim_id) or record)
    # pending: still running, or left half way by a process that died.
    age = clock.now() - clock.parse_iso(record.created_at)
    if age < timedelta(seconds=get_settings().claim_stale_seconds):
        raise RequestInProgress()
    return saga.resume(record)


def get_claim(user_id: str, claim_id: str) -> StoredClaim:
    """One of the learner's claims (404 for another's, or one that never committed)."""
    record = store.get_claim(user_id, claim_id, consistent=False)
    if record is None or record.status not in API_STATUS:
        raise NotFound("No such claim.")
    return store.load(record)


def claim(user_id: str, claim_id: str) -> dict[str, Any]:
    return claim_view(get_claim(user_id, claim_id))


def list_claims(
    user_id: str, sort: str, order: str, limit: int, after: dict[str, str] | None
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    records, last = store.query_claims(user_id, sort, order == "asc", limit, after)
    items = []
    for record in records:
        # A claim over thousands of courses keeps its titles in its pages only.
        titles = (
            None
            if record.course_titles is not None
            else sorted(c.title for c in store.load(record).courses.values())
        )
        items.append(list_item_view(record, titles))
    return items, last


def submit_evaluation(user_id: str, claim_id: str, evaluation: dict[str, Any]) -> dict[str, Any]:
    record = store.get_claim(user_id, claim_id, consistent=False)
    if record is None or record.status not in API_STATUS:
        raise NotFound("No such claim.")
    submitted_at = clock.iso(clock.now())
    if not store.save_evaluation(user_id, claim_id, evaluation, submitted_at):
        raise EvaluationExists()
    return {"claim_id": claim_id, "submitted_at": submitted_at}


def recover(older_than_seconds: int | None = None) -> dict[str, int]:
    """Finish or undo claims left half way; re-queue committed claims still without a certificate and
    revoked status lists still unsigned."""
    settings = get_settings()
    now = clock.now()
    finished = undone = requeued = 0
    cutoff = clock.iso(now - timedelta(seconds=older_than_seconds or settings.claim_stale_seconds))
    for user_id, claim_id in store.unfinished_claims(cutoff):
        record = store.get_claim(user_id, claim_id)
        if record is None:
            continue
        try:
            if record.status == "pending":
                saga.resume(record)
                finished += 1
            elif record.status == "cancelling":
                saga.cancel(record, None)
                undone += 1
        except DomainError:
            undone += 1
    for user_id, claim_id in store.unrendered_claims(
        clock.iso(now - timedelta(seconds=settings.render_stale_seconds))
    ):
        queue.send_render(user_id, claim_id)
        requeued += 1
    from cme_ledger.services.status_lists import resend_unsigned

    lists = resend_unsigned()
    return {"finished": finished, "undone": undone, "requeued": requeued, "status_lists": lists}
