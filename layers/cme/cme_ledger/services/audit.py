"""The audit: reads the whole table, the stored PDFs and credentials, checks the invariants (domain.audit).
A full read, for `cme audit` and the tests; never on a request path."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from cme_ledger import clock
from cme_ledger.domain.audit import (
    BOARD_LINE_DAYS,
    board_problems,
    certificate_problems,
    credential_problems,
    followed_set_problems,
    ledger_problems,
    reminder_problems,
    upload_problems,
)
from cme_ledger.domain.requirements import requirement_sets
from cme_ledger.store import objects, reminders, uploads
from cme_ledger.store.scan import read_ledger


def audit(
    render_grace_minutes: int = 5, upload_grace_minutes: int = 10, *, confirm: bool = False
) -> list[str]:
    """Every violation found, one sentence each; an empty list means the ledger is consistent.

    Invariant 3 allows committed claims younger than `render_grace_minutes` to be still rendering,
    and uploads younger than `upload_grace_minutes` to be still waiting for their check.

    The read is page by page, not a snapshot: while traffic runs, work that lands between two pages
    (a claim made ready after its credentials' page was read) looks like a violation. With
    `confirm`, what one read finds is read again, and only what the second read finds too is
    reported (`cme audit` does so): a violation is a state that lasts, work in flight is not.
    """
    problems = _problems(render_grace_minutes, upload_grace_minutes)
    if confirm and problems:
        again = set(_problems(render_grace_minutes, upload_grace_minutes))
        problems = [problem for problem in problems if problem in again]
    return problems


def _problems(render_grace_minutes: int, upload_grace_minutes: int) -> list[str]:
    """One read of the ledger, the PDFs, the credentials and the uploads, and its violations."""
    ledger = read_ledger()
    now = clock.now()
    digests: dict[tuple[str, str], str | None] = {}
    for key, claim in ledger.claims.items():
        if claim.status == "ready":
            pdf = objects.get(claim.pdf_key or objects.certificate_key(claim.user_id, claim.claim_id))
            digests[key] = hashlib.sha256(pdf).hexdigest() if pdf is not None else None
    credentials: dict[str, str | None] = {}
    for code, info in ledger.credentials.items():
        if info.issued:
            jws = objects.get(info.object_key or "")
            credentials[code] = hashlib.sha256(jws).hexdigest() if jws is not None else None
    return [
        *ledger_problems(ledger),
        *certificate_problems(
            ledger.claims.values(), digests, clock.iso(now - timedelta(minutes=render_grace_minutes))
        ),
        *credential_problems(ledger, credentials),
        *board_problems(
            ledger.board_entries, ledger.claims, clock.iso(now - timedelta(days=BOARD_LINE_DAYS))
        ),
        *reminder_problems(
            reminders.stuck_messages(clock.iso(now - timedelta(minutes=render_grace_minutes)))
        ),
        *upload_problems(
            uploads.stored_versions(),
            ledger.external_credits,
            {
                c.external_credit_id: uploads.upload_key(c.user_id, c.external_credit_id)
                for c in ledger.external_credits
            },
            clock.iso(now - timedelta(minutes=upload_grace_minutes)),
        ),
        *followed_set_problems(ledger.followed, requirement_sets()),
    ]
