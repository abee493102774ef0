"""Claims and their certificates (API.md, "Claims")."""

from typing import Literal

from pydantic import Field

from cme_ledger.api.answers import Amount, Answer, Time

ClaimStatus = Literal["processing", "ready", "failed"]
CertificateStatus = Literal["active", "revoked"]


class CertificateTopic(Answer):
    credit_id: str
    topic: str
    earned_at: Time
    amount: Amount


class PreviewCertificate(Answer):
    course_id: str
    course_title: str
    total: Amount
    topics: list[CertificateTopic]


class ClaimPreview(Answer):
    display_name: str
    degree: str
    credit_type: str
    total: Amount
    certificates: list[PreviewCertificate]
    preview_url: str


class Certificate(PreviewCertificate):
    certificate_code: str
    status: CertificateStatus
    revoked_reason: str | None


class BoardReportStatus(Answer):
    board: Literal["ABP"]
    status: Literal["queued", "reported"]


class Claim(Answer):
    claim_id: str
    claimed_at: Time
    credit_type: str
    display_name: str
    degree: str
    time_zone: str
    total: Amount
    earned_from: Time
    earned_to: Time
    status: ClaimStatus
    certificates: list[Certificate]
    sha256: str | None = Field(pattern="^[0-9a-f]{64}$")
    evaluation_submitted: bool
    board_report: BoardReportStatus | None


class ClaimSummary(Answer):
    """A claim as GET /claims lists it."""

    claim_id: str
    claimed_at: Time
    credit_type: str
    total: Amount
    earned_from: Time
    earned_to: Time
    course_titles: list[str]
    status: ClaimStatus


class ClaimPage(Answer):
    items: list[ClaimSummary]
    next_cursor: str | None


class EvaluationReceipt(Answer):
    claim_id: str
    submitted_at: Time
