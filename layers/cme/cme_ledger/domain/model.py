"""The ledger's entities as plain, immutable data: what the rules read and decide about.

Nothing here knows how an entity is stored (keys, attribute encodings, indexes): `store/` maps
these to and from DynamoDB items. Times are ISO 8601 UTC strings (`2026-11-27T10:00:00Z`), which
sort as they compare; amounts are Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str | None = None  # None until the learner sets one: the token's name stands
    degree: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    board_ids: Mapping[str, str] = field(default_factory=dict)
    birth_month_day: str | None = None  # MM-DD
    premium_until: str | None = None
    time_zone: str | None = None  # IANA name; None: UTC
    reminders: bool = True  # emails before unclaimed credit expires
    email: str | None = None  # the token's email claim, kept for reminders (never set by the learner)


@dataclass(frozen=True)
class Course:
    course_id: str
    title: str
    provider: str
    credit_types: tuple[str, ...]
    claim_window_years: int = 3
    pars_activity_id: str | None = None
    topics: tuple[str, ...] = ()  # topic tags (domain.topic_tags): what requirement rules select on
    live: bool = False  # a live activity (not enduring material)


@dataclass(frozen=True)
class Credit:
    """`amount` earned on one topic of one course; claimed per credit type in parts (by claim)."""

    user_id: str
    credit_id: str
    course_id: str
    topic: str
    amount: Decimal
    earned_at: str
    expires_at: str
    source_id: str
    recorded_at: str
    claimed: Mapping[str, Decimal] = field(default_factory=dict)
    parts: Mapping[str, tuple[str, Decimal]] = field(default_factory=dict)  # claim id -> (type, amount)
    version: int = 0
    indexed: bool = False  # in the sweep's expiry index (unexpired, something left to claim)
    expired_at: str | None = None
    unclaimed_at_expiry: Mapping[str, Decimal] | None = None


@dataclass(frozen=True)
class ClaimLine:
    """One credit of a committed claim, as its page keeps it: with its course's topic tags and
    whether it was live as of the claim (a later edit of the course changes no past claim)."""

    credit_id: str
    course_id: str
    topic: str
    earned_at: str
    amount: Decimal
    topics: tuple[str, ...] = ()
    live: bool = False


@dataclass(frozen=True)
class CourseSnapshot:
    """A course as a claim prints it: copied when the claim is made, never changed afterwards."""

    course_id: str
    title: str
    provider: str
    code: str  # the certificate code of this course's certificate


@dataclass(frozen=True)
class ClaimPage:
    """One chunk of a claim: applied (its credits carry the claim's parts), undone, or void."""

    user_id: str
    claim_id: str
    index: int
    state: str  # applied | undone | void
    applied_at: str | None
    lines: tuple[ClaimLine, ...]
    courses: tuple[CourseSnapshot, ...]  # the courses first met in this page


@dataclass(frozen=True)
class Revocation:
    """A certificate revoked by staff: once, with a reason; its PDF and credential stay as issued."""

    code: str
    reason: str
    revoked_at: str


@dataclass(frozen=True)
class ClaimRecord:
    """A claim's own record: status, the names copied onto it, totals, and its plan."""

    user_id: str
    claim_id: str
    credit_type: str
    # pending -> committed -> ready | failed;  pending -> cancelling -> cancelled;  refused
    status: str
    request_hash: str
    created_at: str
    total: Decimal
    line_count: int
    chunk_count: int
    plan: tuple[tuple[tuple[str, Decimal], ...], ...]  # per chunk: (credit id, amount)
    earned_from: str
    earned_to: str
    display_name: str = ""
    degree: str = ""
    time_zone: str = "UTC"  # the learner's zone when the claim was made: the certificate's dates
    first_name: str = ""
    last_name: str = ""
    abp_id: str | None = None
    birth_month_day: str | None = None
    course_count: int = 0
    course_titles: tuple[str, ...] | None = ()  # in title order; None: too many, see the pages
    claimed_at: str | None = None
    failure: Mapping[str, Any] | None = None
    sha256: str | None = None
    pdf_key: str | None = None
    evaluation_submitted_at: str | None = None
    board_report: str | None = None  # queued | reported (ABP_MOC_2 only)
    render_queued: bool = False  # in the render work queue (committed, no certificate yet)
    revocations: Mapping[str, Revocation] = field(default_factory=dict)  # certificate code -> why, when


@dataclass(frozen=True)
class StoredClaim:
    """A claim as stored: its record and its pages."""

    record: ClaimRecord
    pages: tuple[ClaimPage, ...]

    @property
    def lines(self) -> list[ClaimLine]:
        return [line for page in self.pages if page.state == "applied" for line in page.lines]

    @property
    def courses(self) -> dict[str, CourseSnapshot]:
        """course id -> its snapshot (title, provider, code)."""
        return {c.course_id: c for page in self.pages if page.state == "applied" for c in page.courses}


@dataclass(frozen=True)
class CertificateEntry:
    """A certificate code and what verification shows of it."""

    code: str
    user_id: str
    claim_id: str
    course_id: str
    course_title: str
    provider: str
    total: Decimal
    earned_from: str | None = None  # this certificate's first and last earned_at (None: older items)
    earned_to: str | None = None
    revocation: Revocation | None = None


@dataclass(frozen=True)
class CredentialInfo:
    """A certificate's credential as stored: its status list position, and once issued, its JWS's
    place, SHA-256 and signing key."""

    code: str
    user_id: str
    claim_id: str
    course_id: str
    list_id: str
    position: int
    object_key: str | None = None
    sha256: str | None = None
    kid: str | None = None
    issued_at: str | None = None

    @property
    def issued(self) -> bool:
        return self.sha256 is not None and self.object_key is not None


@dataclass(frozen=True)
class StatusListState:
    """A status list: how many positions are taken, which are revoked, and its last signed JWT."""

    list_id: str
    assigned: int
    revoked: frozenset[int]
    version: int
    signed_version: int | None = None
    signed_jwt: str | None = None
    signed_at: str | None = None

    @property
    def needs_signing(self) -> bool:
        return self.signed_version is None or self.signed_version < self.version


@dataclass(frozen=True)
class BoardEntry:
    """An ABP MOC Part 2 claim owed to the board."""

    user_id: str
    claim_id: str
    queued_at: str
    queued: bool  # still waiting to be reported
    reported_at: str | None = None
    report_key: str | None = None


@dataclass(frozen=True)
class CertificateFile:
    """The certificate file of an external credit, once checked on arrival: one version of one object
    (a later upload is another version; only a checked one is ever shown)."""

    key: str
    version_id: str
    content_type: str
    size: int
    checked_at: str


@dataclass(frozen=True)
class ExternalCredit:
    """Credit the learner earned elsewhere and recorded themselves (self-reported)."""

    user_id: str
    external_credit_id: str
    title: str
    provider: str
    credit_type: str
    amount: Decimal
    completed_on: str  # YYYY-MM-DD, the day the learner completed it
    topics: tuple[str, ...]
    live: bool
    recorded_at: str
    certificate: CertificateFile | None = None


@dataclass(frozen=True)
class StoredUpload:
    """One stored version of a learner's upload (each PUT to a key is a version of its own)."""

    key: str
    version_id: str
    size: int
    last_modified: str
    latest: bool


@dataclass(frozen=True)
class ChosenSet:
    """A requirement set the learner follows, and the first day of one of its cycles (cycles repeat
    every cycle_years from there, both ways; a one-time set has no repeat). Part of the learner's
    records (store.learner reads it with them); the requirement rules are in domain.requirements."""

    code: str
    cycle_start: date
