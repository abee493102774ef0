"""The audit: checks DESIGN.md's invariants 1 to 4 over the whole table (and the stored PDFs)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from cme_ledger import clock
from cme_ledger.domain.amounts import ZERO
from cme_ledger.store import claims as store
from cme_ledger.store import keys, objects
from cme_ledger.store.models import BoardReportEntry, Claim, ClaimLinePage, Credit

SETTLED = ("committed", "ready", "failed")
IN_FLIGHT = ("pending", "cancelling")
BOARD_LINE_DAYS = 7  # an ABP line queued longer than this is owed to the learner and overdue


def audit(render_grace_minutes: int = 5) -> list[str]:
    """Every violation found, one sentence each; an empty list means the ledger is consistent.

    Invariant 3 allows committed claims younger than `render_grace_minutes` to be still rendering;
    invariant 7 reports ABP MOC Part 2 lines queued for more than BOARD_LINE_DAYS.
    """
    credits: dict[tuple[str, str], Credit] = {}
    claims: dict[tuple[str, str], Claim] = {}
    pages: list[ClaimLinePage] = []
    board_entries: list[BoardReportEntry] = []
    for item in store.scan_everything():
        if isinstance(item, Credit):
            credits[(item.user_id, item.credit_id)] = item
        elif isinstance(item, Claim):
            claims[(item.user_id, item.claim_id)] = item
        elif isinstance(item, ClaimLinePage):
            pages.append(item)
        elif isinstance(item, BoardReportEntry):
            board_entries.append(item)

    problems: list[str] = []
    # Invariant 1: claimed total per type = sum of the parts of committed claims, never above the amount.
    for (user_id, credit_id), credit in credits.items():
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for claim_id, (credit_type, amount) in credit.parts.items():
            claim = claims.get((user_id, claim_id))
            status = claim.status if claim else "missing"
            if status in SETTLED or status in IN_FLIGHT:
                sums[credit_type] += amount
            if status in IN_FLIGHT:
                problems.append(f"credit {credit_id}: part of unsettled claim {claim_id} ({status})")
            elif status not in SETTLED:
                # Invariant 2: no line of a cancelled (or unknown) claim is applied.
                problems.append(f"credit {credit_id}: part of {status} claim {claim_id} is applied")
        for credit_type in set(sums) | set(credit.claimed):
            claimed = credit.claimed.get(credit_type, ZERO)
            if claimed != sums[credit_type]:
                problems.append(
                    f"credit {credit_id}: claimed {credit_type} {claimed} != sum of claim lines {sums[credit_type]}"
                )
            if claimed > credit.amount:
                problems.append(
                    f"credit {credit_id}: claimed {credit_type} {claimed} exceeds amount {credit.amount}"
                )

    for page in pages:
        user_id = keys.user_of(page.pk)
        claim = claims.get((user_id, page.claim_id))
        status = claim.status if claim else "missing"
        if page.state == "applied" and status not in SETTLED and status not in IN_FLIGHT:
            problems.append(f"claim {page.claim_id} ({status}): page {page.page} is still applied")
        if page.state != "applied":
            continue
        for line in page.lines:
            line_credit = credits.get((user_id, line.credit_id))
            if line_credit is None:
                problems.append(f"claim {page.claim_id}: line for unknown credit {line.credit_id}")
                continue
            credit = line_credit
            part = credit.parts.get(page.claim_id)
            if part is None or part[1] != line.amount:
                problems.append(
                    f"claim {page.claim_id}: line {line.credit_id} {line.amount} not applied as such"
                )
            # Invariant 4: nothing claimed at or after the credit's expiry instant.
            if page.applied_at and page.applied_at >= credit.expires_at:
                problems.append(
                    f"credit {line.credit_id}: claimed at {page.applied_at}, after its expiry {credit.expires_at}"
                )

    # Committed claims: every planned line is applied.
    applied_lines: dict[tuple[str, str], int] = defaultdict(int)
    for page in pages:
        if page.state == "applied":
            applied_lines[(keys.user_of(page.pk), page.claim_id)] += len(page.lines)
    for (user_id, claim_id), claim in claims.items():
        if claim.status in SETTLED and applied_lines[(user_id, claim_id)] != int(claim.line_count):
            problems.append(
                f"claim {claim_id}: {applied_lines[(user_id, claim_id)]} of {int(claim.line_count)} lines applied"
            )
    problems.extend(_certificate_problems(claims.values(), render_grace_minutes))
    problems.extend(_board_problems(board_entries, claims))
    return problems


def _board_problems(entries: Iterable[BoardReportEntry], claims: dict[tuple[str, str], Claim]) -> list[str]:
    """Invariant 7: an ABP line owed to the board must not wait silently (e.g. a course without its
    PARS activity id holds its claims back until staff set it)."""
    cutoff = clock.iso(clock.now() - timedelta(days=BOARD_LINE_DAYS))
    problems = []
    for entry in entries:
        claim = claims.get((entry.user_id, entry.claim_id))
        if entry.work_pk is not None and entry.queued_at < cutoff and claim is not None:
            problems.append(
                f"claim {entry.claim_id}: ABP MOC Part 2 lines queued since {entry.queued_at}, not reported"
            )
    return problems


def _certificate_problems(claims: Iterable[Claim], grace_minutes: int) -> list[str]:
    """Invariant 3: every committed claim older than the grace has its PDF, with the SHA-256 on it."""
    problems = []
    cutoff = clock.iso(clock.now() - timedelta(minutes=grace_minutes))
    for claim in claims:
        if claim.status not in SETTLED:
            continue
        if claim.status != "ready":
            if (claim.claimed_at or "") < cutoff:
                problems.append(
                    f"claim {claim.claim_id}: committed at {claim.claimed_at}, no certificate yet"
                )
            continue
        body = objects.get(claim.pdf_key or objects.certificate_key(claim.user_id, claim.claim_id))
        if body is None:
            problems.append(f"claim {claim.claim_id}: certificate PDF missing")
        elif hashlib.sha256(body).hexdigest() != claim.sha256:
            problems.append(f"claim {claim.claim_id}: certificate SHA-256 does not match the claim")
    return problems
