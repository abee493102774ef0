"""pynamodb models of the single table: one base model with a discriminator, one subclass per entity.

Key templates (pk / sk):

- Profile            USER#{user_id} / PROFILE
- Credit             USER#{user_id} / CREDIT#{credit_id}     (credit ids sort by earned_at)
- SourceRef          USER#{user_id} / SOURCE#{source_id}     (idempotency of recorded credit)
- Claim              USER#{user_id} / CLAIM#{claim_id}
- ClaimLinePage      USER#{user_id} / CLAIM#{claim_id}#P{n:05d}  (a chunk's lines and new courses)
- BoardReportEntry   USER#{user_id} / CLAIM#{claim_id}#ABP   (an ABP MOC Part 2 claim awaiting report)
- RequirementChoices USER#{user_id} / REQUIREMENTS           (the requirement sets the learner follows)
- ExternalCreditItem USER#{user_id} / EXTERNAL#{external_credit_id}  (ids sort by the time recorded)
- CertificateCode    CODE#{code}    / CODE                  (verification; revocation state)
- CredentialRecord   CODE#{code}    / CREDENTIAL            (the certificate's OB3 credential)
- StatusList         STATUSLIST#{list_id} / LIST            (a status list's bits and signed JWT)
- StatusPosition     STATUSLIST#{list_id} / POS#{n:06d}     (a reserved position in a list)
- StatusListPointer  STATUSLIST     / CURRENT               (the list taking new credentials)
- SigningKey         SIGNING_KEYS   / KEY#{kid}             (a key that signed: its public JWK)
- IssuerRecord       ISSUER         / PROFILE               (the issuer credentials name)
- Course             CATALOG        / COURSE#{course_id}
- CatalogVersion     CATALOG        / VERSION               (incremented with every course change)
- SweepState         SWEEP          / EXPIRY
- (report record)    REPORT#ABP     / {report_key}   (raw items: store/board_reports.py)

Indexes: `expiry` (sparse: unexpired credits with something left to claim, pk EXP#{day}#{shard}),
`work` (sparse: claims and entries awaiting background work), three local indexes that order a
learner's committed claims, and two sparse local indexes of a learner's open credits: `open` (by
credit id, with the profile: what a claim reads) and `open_by_course` (by course, then credit id).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model

from cme_ledger.store.attributes import DecimalAttribute, DecimalMapAttribute, PartsAttribute


class ExpiryIndex(GlobalSecondaryIndex["Credit"]):
    class Meta:
        index_name = "expiry"
        projection = IncludeProjection(
            ["user_id", "credit_id", "course_id", "amount", "claimed", "version", "expires_at"]
        )

    expiry_pk = UnicodeAttribute(hash_key=True)
    expiry_sk = UnicodeAttribute(range_key=True)


class WorkIndex(GlobalSecondaryIndex["LedgerItem"]):
    class Meta:
        index_name = "work"
        projection = KeysOnlyProjection()

    work_pk = UnicodeAttribute(hash_key=True)
    work_sk = UnicodeAttribute(range_key=True)


class ClaimsByClaimed(LocalSecondaryIndex["Claim"]):
    class Meta:
        index_name = "claims_by_claimed"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    by_claimed = UnicodeAttribute(range_key=True)


class ClaimsByYear(LocalSecondaryIndex["Claim"]):
    class Meta:
        index_name = "claims_by_year"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    by_year = UnicodeAttribute(range_key=True)


class ClaimsByCredits(LocalSecondaryIndex["Claim"]):
    class Meta:
        index_name = "claims_by_credits"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    by_credits = UnicodeAttribute(range_key=True)


class LedgerItem(Model):
    """Base of every item of the table; `kind` says which entity an item is."""

    class Meta:
        table_name: str = "unbound"  # set by store.db.bind() from the settings
        region = "us-east-1"
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    work_pk = UnicodeAttribute(null=True)
    work_sk = UnicodeAttribute(null=True)
    work_index = WorkIndex()


class Profile(LedgerItem, discriminator="profile"):
    user_id = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)  # absent until the learner sets one (the token's name)
    degree = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    board_ids = MapAttribute[str, Any](default=dict)
    birth_month_day = UnicodeAttribute(null=True)
    premium_until = UnicodeAttribute(null=True)
    time_zone = UnicodeAttribute(null=True)  # IANA name; absent: UTC
    reminders = BooleanAttribute(null=True)  # absent: on
    email = UnicodeAttribute(null=True)  # the token's email claim
    updated_at = UnicodeAttribute(null=True)
    open_sk = UnicodeAttribute(null=True)  # always PROFILE: read with the open credits (index `open`)


class Course(LedgerItem, discriminator="course"):
    course_id = UnicodeAttribute()
    title = UnicodeAttribute()
    provider = UnicodeAttribute()
    credit_types = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    claim_window_years = NumberAttribute(default=3)
    pars_activity_id = UnicodeAttribute(null=True)
    topics = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    live = BooleanAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


class CatalogVersion(LedgerItem, discriminator="catalog_version"):
    version = NumberAttribute()  # incremented with every change of a course
    updated_at = UnicodeAttribute(null=True)


class Credit(LedgerItem, discriminator="credit"):
    user_id = UnicodeAttribute()
    credit_id = UnicodeAttribute()
    course_id = UnicodeAttribute()
    topic = UnicodeAttribute()
    amount = DecimalAttribute()
    earned_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    source_id = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    claimed = DecimalMapAttribute(default=dict)
    parts = PartsAttribute(default=dict)
    version = NumberAttribute(default=0)
    expiry_pk = UnicodeAttribute(null=True)
    expiry_sk = UnicodeAttribute(null=True)
    # Set exactly while expiry_pk is (an open credit): the local indexes `open` and `open_by_course`.
    open_sk = UnicodeAttribute(null=True)
    open_course_sk = UnicodeAttribute(null=True)
    expired_at = UnicodeAttribute(null=True)
    unclaimed_at_expiry = DecimalMapAttribute(null=True)
    expiry_index = ExpiryIndex()


class SourceRef(LedgerItem, discriminator="source"):
    user_id = UnicodeAttribute()
    source_id = UnicodeAttribute()
    credit_id = UnicodeAttribute()


class RevocationMap(MapAttribute[str, Any]):
    code = UnicodeAttribute()
    reason = UnicodeAttribute()
    revoked_at = UnicodeAttribute()


class Claim(LedgerItem, discriminator="claim"):
    user_id = UnicodeAttribute()
    claim_id = UnicodeAttribute()
    credit_type = UnicodeAttribute()
    # pending -> committed -> ready | failed;  pending -> cancelling -> cancelled
    status = UnicodeAttribute()
    request_hash = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(default="")
    degree = UnicodeAttribute(default="")
    time_zone = UnicodeAttribute(default="UTC")
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    abp_id = UnicodeAttribute(null=True)
    birth_month_day = UnicodeAttribute(null=True)
    total = DecimalAttribute()
    line_count = NumberAttribute()
    chunk_count = NumberAttribute()
    plan = BinaryAttribute(legacy_encoding=False)  # per chunk: (credit id, amount), compressed
    course_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    claimed_at = UnicodeAttribute(null=True)
    earned_from = UnicodeAttribute()
    earned_to = UnicodeAttribute()
    # In title order; None when they would not fit the record (thousands of courses: see the pages).
    course_titles = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    failure = MapAttribute[str, Any](null=True)
    sha256 = UnicodeAttribute(null=True)
    pdf_key = UnicodeAttribute(null=True)
    evaluation = MapAttribute[str, Any](null=True)
    evaluation_submitted_at = UnicodeAttribute(null=True)
    board_report = UnicodeAttribute(null=True)  # queued | reported (ABP_MOC_2 only)
    report_key = UnicodeAttribute(null=True)
    # Revoked certificates of this claim, appended once each: [{code, reason, revoked_at}].
    revocations = ListAttribute[RevocationMap](of=RevocationMap, null=True)
    by_claimed = UnicodeAttribute(null=True)
    by_year = UnicodeAttribute(null=True)
    by_credits = UnicodeAttribute(null=True)
    claims_by_claimed = ClaimsByClaimed()
    claims_by_year = ClaimsByYear()
    claims_by_credits = ClaimsByCredits()


class LineMap(MapAttribute[str, Any]):
    credit_id = UnicodeAttribute()
    course_id = UnicodeAttribute()
    topic = UnicodeAttribute()
    earned_at = UnicodeAttribute()
    amount = DecimalAttribute()
    # The course's topic tags and live as of the claim; absent when none / not live (most lines).
    tags = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    live = BooleanAttribute(null=True)


class CourseMap(MapAttribute[str, Any]):
    course_id = UnicodeAttribute()
    title = UnicodeAttribute()
    provider = UnicodeAttribute()
    code = UnicodeAttribute()


class ClaimLinePage(LedgerItem, discriminator="claim_lines"):
    claim_id = UnicodeAttribute()
    page = NumberAttribute()
    # applied: its credits carry the claim's parts; undone: they were taken back; void: never applied
    state = UnicodeAttribute()
    applied_at = UnicodeAttribute(null=True)  # the time of the write that applied it
    lines = ListAttribute[LineMap](of=LineMap, default=list)
    courses = ListAttribute[CourseMap](of=CourseMap, default=list)  # first met in this page


class BoardReportEntry(LedgerItem, discriminator="board_report_entry"):
    user_id = UnicodeAttribute()
    claim_id = UnicodeAttribute()
    queued_at = UnicodeAttribute()
    reported_at = UnicodeAttribute(null=True)
    report_key = UnicodeAttribute(null=True)


class CertificateCode(LedgerItem, discriminator="certificate_code"):
    code = UnicodeAttribute()
    user_id = UnicodeAttribute()
    claim_id = UnicodeAttribute()
    course_id = UnicodeAttribute()
    course_title = UnicodeAttribute()
    provider = UnicodeAttribute()
    total = DecimalAttribute()
    earned_from = UnicodeAttribute(null=True)  # this certificate's first and last earned_at
    earned_to = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)  # set once, with the reason, when it is revoked
    revoked_reason = UnicodeAttribute(null=True)


class CredentialRecord(LedgerItem, discriminator="credential"):
    """A certificate's credential: its status list position (reserved first), then, once signed and
    stored, where the JWS is, its SHA-256 and the key that signed it. Never changed after that."""

    code = UnicodeAttribute()
    user_id = UnicodeAttribute()
    claim_id = UnicodeAttribute()
    course_id = UnicodeAttribute()
    list_id = UnicodeAttribute()
    position = NumberAttribute()
    reserved_at = UnicodeAttribute()
    object_key = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    kid = UnicodeAttribute(null=True)
    issued_at = UnicodeAttribute(null=True)


class StatusList(LedgerItem, discriminator="status_list"):
    list_id = UnicodeAttribute()
    assigned = NumberAttribute(default=0)
    revoked = NumberSetAttribute(null=True)  # the set bits
    version = NumberAttribute(default=0)  # +1 per revocation
    created_at = UnicodeAttribute()
    signed_version = NumberAttribute(null=True)  # the version the stored JWT says
    signed_jwt = UnicodeAttribute(null=True)
    signed_at = UnicodeAttribute(null=True)


class StatusPosition(LedgerItem, discriminator="status_position"):
    list_id = UnicodeAttribute()
    position = NumberAttribute()
    code = UnicodeAttribute()


class StatusListPointer(LedgerItem, discriminator="status_list_pointer"):
    list_id = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class SigningKey(LedgerItem, discriminator="signing_key"):
    kid = UnicodeAttribute()
    key_id = UnicodeAttribute()  # the KMS key (id or ARN) as configured
    jwk = MapAttribute[str, Any]()
    first_used_at = UnicodeAttribute()


class IssuerRecord(LedgerItem, discriminator="issuer"):
    issuer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    url = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ChosenSetMap(MapAttribute[str, Any]):
    code = UnicodeAttribute()
    cycle_start = UnicodeAttribute()  # YYYY-MM-DD


class RequirementChoices(LedgerItem, discriminator="requirement_choices"):
    items = ListAttribute[ChosenSetMap](of=ChosenSetMap, default=list)
    updated_at = UnicodeAttribute(null=True)


class CertificateFileMap(MapAttribute[str, Any]):
    key = UnicodeAttribute()
    version_id = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    checked_at = UnicodeAttribute()


class ExternalCreditItem(LedgerItem, discriminator="external_credit"):
    user_id = UnicodeAttribute()
    external_credit_id = UnicodeAttribute()
    title = UnicodeAttribute()
    provider = UnicodeAttribute()
    credit_type = UnicodeAttribute()
    amount = DecimalAttribute()
    completed_on = UnicodeAttribute()  # YYYY-MM-DD
    topics = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    live = BooleanAttribute(null=True)
    recorded_at = UnicodeAttribute()
    certificate = CertificateFileMap(null=True)  # set once a file arrived and passed the checks


class SweepState(LedgerItem, discriminator="sweep_state"):
    next_day = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
