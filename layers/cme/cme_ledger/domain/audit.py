"""The audit's checks of DESIGN.md's invariants over plain data (services.audit reads the table).

1. claimed total per credit and type = the parts of committed claims, never above the amount;
2. no line of a cancelled claim is applied;
3. a committed claim older than the grace has its PDF, whose SHA-256 is the one on the claim;
4. no line applied at or after its credit's expiry;
6. every certificate of a ready claim has its credential, stored as issued (its SHA-256), at a
   status list position no other credential has;
7. no ABP MOC Part 2 line waits for the board longer than BOARD_LINE_DAYS, no reminder is left
   recorded but unconfirmed (the process died while sending it), no learner upload waits unchecked
   (a lost S3 event), and none refused or left by a deleted credit is still stored;
and, of the renewal data (issue 17): every shown certificate file of an external credit is stored
and within the upload limit, and every requirement set a learner follows is in the rule data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cme_ledger.domain.amounts import ZERO
from cme_ledger.domain.external_credits import MAX_UPLOAD_BYTES
from cme_ledger.domain.model import (
    BoardEntry,
    ClaimPage,
    ClaimRecord,
    CredentialInfo,
    Credit,
    ExternalCredit,
    StoredUpload,
)

SETTLED = ("committed", "ready", "failed")
IN_FLIGHT = ("pending", "cancelling")
BOARD_LINE_DAYS = 7  # an ABP line queued longer than this is owed to the learner and overdue


@dataclass
class Ledger:
    """Everything the audit reads, keyed by (user id, id)."""

    credits: dict[tuple[str, str], Credit] = field(default_factory=dict)
    claims: dict[tuple[str, str], ClaimRecord] = field(default_factory=dict)
    pages: list[ClaimPage] = field(default_factory=list)
    board_entries: list[BoardEntry] = field(default_factory=list)
    credentials: dict[str, CredentialInfo] = field(default_factory=dict)  # certificate code -> record
    external_credits: list[ExternalCredit] = field(default_factory=list)
    followed: dict[str, list[str]] = field(default_factory=dict)  # user id -> codes of chosen sets


def ledger_problems(ledger: Ledger) -> list[str]:
    """Invariants 1, 2 and 4, and every planned line of a committed claim applied."""
    problems: list[str] = []
    claims = ledger.claims
    for (user_id, credit_id), credit in ledger.credits.items():
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for claim_id, (credit_type, amount) in credit.parts.items():
            claim = claims.get((user_id, claim_id))
            status = claim.status if claim else "missing"
            if status in SETTLED or status in IN_FLIGHT:
                sums[credit_type] += amount
            if status in IN_FLIGHT:
                problems.append(f"credit {credit_id}: part of unsettled claim {claim_id} ({status})")
            elif status not in SETTLED:
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

    applied_lines: dict[tuple[str, str], int] = defaultdict(int)
    for page in ledger.pages:
        claim = claims.get((page.user_id, page.claim_id))
        status = claim.status if claim else "missing"
        if page.state == "applied" and status not in SETTLED and status not in IN_FLIGHT:
            problems.append(f"claim {page.claim_id} ({status}): page {page.index} is still applied")
        if page.state != "applied":
            continue
        applied_lines[(page.user_id, page.claim_id)] += len(page.lines)
        for line in page.lines:
            found = ledger.credits.get((page.user_id, line.credit_id))
            if found is None:
                problems.append(f"claim {page.claim_id}: line for unknown credit {line.credit_id}")
                continue
            credit = found
            part = credit.parts.get(page.claim_id)
            if part is None or part[1] != line.amount:
                problems.append(
                    f"claim {page.claim_id}: line {line.credit_id} {line.amount} not applied as such"
                )
            if page.applied_at and page.applied_at >= credit.expires_at:
                problems.append(
                    f"credit {line.credit_id}: claimed at {page.applied_at}, after its expiry {credit.expires_at}"
                )

    for (user_id, claim_id), claim in claims.items():
        if claim.status in SETTLED and applied_lines[(user_id, claim_id)] != claim.line_count:
            problems.append(
                f"claim {claim_id}: {applied_lines[(user_id, claim_id)]} of {claim.line_count} lines applied"
            )
    return problems


def certificate_problems(
    claims: Iterable[ClaimRecord], digests: Mapping[tuple[str, str], str | None], cutoff: str
) -> list[str]:
    """Invariant 3. `digests` has the SHA-256 of each ready claim's stored PDF (None: missing);
    a claim committed before `cutoff` must be ready."""
    problems = []
    for claim in claims:
        if claim.status not in SETTLED:
            continue
        if claim.status != "ready":
            if (claim.claimed_at or "") < cutoff:
                problems.append(
                    f"claim {claim.claim_id}: committed at {claim.claimed_at}, no certificate yet"
                )
            continue
        digest = digests.get((claim.user_id, claim.claim_id))
        if digest is None:
            problems.append(f"claim {claim.claim_id}: certificate PDF missing")
        elif digest != claim.sha256:
            problems.append(f"claim {claim.claim_id}: certificate SHA-256 does not match the claim")
    return problems


def board_problems(
    entries: Iterable[BoardEntry], claims: Mapping[tuple[str, str], ClaimRecord], cutoff: str
) -> list[str]:
    """Invariant 7: an ABP line owed to the board must not wait silently past `cutoff` (e.g. a course
    without its PARS activity id holds its claims back until staff set it)."""
    return [
        f"claim {entry.claim_id}: ABP MOC Part 2 lines queued since {entry.queued_at}, not reported"
        for entry in entries
        if entry.queued and entry.queued_at < cutoff and (entry.user_id, entry.claim_id) in claims
    ]


def reminder_problems(stuck: Iterable[tuple[str, str]]) -> list[str]:
    """Invariant 7 for reminders: (user id, run) of messages recorded as being sent and never
    confirmed: the process died while sending, so the learner may not have been told."""
    return [
        f"reminder to {user} (run {run}) was being sent and never confirmed: check it went out"
        for user, run in stuck
    ]


def credential_problems(ledger: Ledger, digests: Mapping[str, str | None]) -> list[str]:
    """Invariant 6 for credentials. `digests` has the SHA-256 of each issued credential's stored
    JWS, by certificate code (None: missing)."""
    problems = []
    ready = {(c.user_id, c.claim_id) for c in ledger.claims.values() if c.status == "ready"}
    for page in ledger.pages:
        if page.state != "applied" or (page.user_id, page.claim_id) not in ready:
            continue
        for course in page.courses:
            info = ledger.credentials.get(course.code)
            if info is None or not info.issued:
                problems.append(f"claim {page.claim_id}: certificate {course.code} has no credential")
            elif digests.get(course.code) is None:
                problems.append(f"certificate {course.code}: credential JWS missing")
            elif digests[course.code] != info.sha256:
                problems.append(f"certificate {course.code}: credential SHA-256 does not match its record")
    taken: dict[tuple[str, int], str] = {}
    for code, info in sorted(ledger.credentials.items()):
        other = taken.setdefault((info.list_id, info.position), code)
        if other != code:
            problems.append(f"certificates {other} and {code}: the same status list position")
    return problems


def upload_problems(
    uploads: Iterable[StoredUpload],
    credits: Iterable[ExternalCredit],
    owner_key: Mapping[str, str],
    cutoff: str,
) -> list[str]:
    """Invariant 7 and the upload rule: an upload stored since before `cutoff` is the checked
    certificate of an external credit (`owner_key` maps an external credit id to its upload key), or
    it is a problem: unchecked (its event was lost), refused but not removed, or left by a deleted
    credit. A shown certificate file must be stored and within the limit."""
    problems: list[str] = []
    shown = {owner_key[c.external_credit_id]: c for c in credits if c.certificate is not None}
    stored = list(uploads)
    versions = {(u.key, u.version_id) for u in stored}
    for upload in stored:
        credit = shown.get(upload.key)
        if not upload.latest or upload.last_modified >= cutoff:
            continue  # replaced (the lifecycle removes it), or still being checked
        if credit is None or credit.certificate is None or credit.certificate.version_id != upload.version_id:
            problems.append(
                f"upload {upload.key} (version {upload.version_id}, {upload.last_modified}): stored, "
                "not the checked certificate of an external credit"
            )
    for key, credit in shown.items():
        file = credit.certificate
        assert file is not None
        if (key, file.version_id) not in versions:
            problems.append(f"external credit {credit.external_credit_id}: its certificate file is missing")
        if file.size > MAX_UPLOAD_BYTES:
            problems.append(f"external credit {credit.external_credit_id}: certificate file over the limit")
    return problems


def followed_set_problems(followed: Mapping[str, list[str]], known: Iterable[str]) -> list[str]:
    """A set a learner follows that the rule data no longer has (progress leaves it out)."""
    codes = set(known)
    return [
        f"learner {user_id} follows requirement set {code}, which the rule data no longer has"
        for user_id, chosen in followed.items()
        for code in chosen
        if code not in codes
    ]
