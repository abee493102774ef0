"""A claim's certificates as credentials, and the status verification and the claim show. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cme_ledger.domain import badges
from cme_ledger.domain import credentials as cr
from cme_ledger.domain.certificates import status_list_target, verification_view
from cme_ledger.domain.claim_decision import certificate_entries
from cme_ledger.domain.claim_views import claim_view
from cme_ledger.domain.model import (
    CertificateEntry,
    ClaimLine,
    ClaimPage,
    ClaimRecord,
    CourseSnapshot,
    Revocation,
    StoredClaim,
)

BASE = "https://cme.test"
ISSUER = badges.issuer_of(BASE + "/", "CME Ledger")


def stored(**changes: object) -> StoredClaim:
    record = ClaimRecord(
        user_id="u-1",
        claim_id="cl-1",
        credit_type="ACEP",
        status="ready",
        request_hash="h",
        created_at="2026-11-27T09:59:00Z",
        claimed_at="2026-11-27T10:00:00Z",
        total=Decimal("3.5"),
        line_count=3,
        chunk_count=1,
        plan=(),
        earned_from="2026-01-05T10:00:00Z",
        earned_to="2026-02-01T10:00:00Z",
        display_name="Zoë Ng-Åström",
        degree="MD",
    )
    page = ClaimPage(
        "u-1",
        "cl-1",
        0,
        "applied",
        "2026-11-27T10:00:00Z",
        lines=(
            ClaimLine("c1", "em", "Sepsis bundles", "2026-01-10T10:00:00Z", Decimal("1.0")),
            ClaimLine("c2", "zz", "Rabies", "2026-02-01T10:00:00Z", Decimal("1.75")),
            ClaimLine("c3", "em", "Airway", "2026-01-05T10:00:00Z", Decimal("0.75")),
        ),
        courses=(
            CourseSnapshot("zz", "Zoonoses Update", "Vet CME", "ZZZZ-0001"),
            CourseSnapshot("em", "Emergency Medicine", "EM Academy", "EMEM-0001"),
        ),
    )
    from dataclasses import replace

    return StoredClaim(replace(record, **changes), (page,))  # type: ignore[arg-type]


def test_the_issuer_is_named_by_its_base_url() -> None:
    assert cr.Issuer("https://cme.test/issuer", "CME Ledger", "https://cme.test") == ISSUER


def test_certificates_are_credentials_in_the_claims_course_order() -> None:
    claim = stored()
    order = badges.courses_in_order(claim)
    assert [c.course_id for c in order] == ["em", "zz"]

    credential = badges.course_credential(claim, order[0], ISSUER, BASE, "abc", 77)

    assert credential.learner_name == "Zoë Ng-Åström"
    assert (credential.course_title, credential.provider) == ("Emergency Medicine", "EM Academy")
    assert credential.credits == Decimal("1.75")
    assert (credential.credit_type_code, credential.credit_type_label) == ("ACEP", "ACEP Category I Credit")
    assert [t.topic for t in credential.topics] == ["Sepsis bundles", "Airway"]
    assert credential.claimed_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert credential.verify_url == "https://cme.test/verify/EMEM-0001"
    assert credential.status == cr.StatusEntry("https://cme.test/credentials/status/abc", 77)
    payload = cr.credential_payload(credential)
    assert payload["credentialSubject"]["activityStartDate"] == "2026-01-05T10:00:00Z"
    assert (
        "u-1" not in cr.canonical_json(payload).decode() and "cl-1" not in cr.canonical_json(payload).decode()
    )


def test_the_kid_is_read_from_a_jws_header() -> None:
    header = cr.b64url(cr.canonical_json({"alg": "ES256", "kid": "urn:k"}))

    assert badges.jws_kid(f"{header}.e30.sig") == "urn:k"
    assert badges.jws_kid("not a jws") is None


def test_the_credentials_view_lists_them_in_course_order() -> None:
    claim = stored()

    view = badges.credentials_view(
        badges.courses_in_order(claim), {"EMEM-0001": "a.b.c", "ZZZZ-0001": "d.e.f"}
    )

    assert view == {
        "items": [
            {"certificate_code": "EMEM-0001", "course_id": "em", "format": "vc+jwt", "credential": "a.b.c"},
            {"certificate_code": "ZZZZ-0001", "course_id": "zz", "format": "vc+jwt", "credential": "d.e.f"},
        ]
    }


def test_a_revoked_certificate_verifies_as_not_valid_with_its_reason() -> None:
    claim = stored()
    entries = {e.code: e for e in certificate_entries(claim)}
    em = entries["EMEM-0001"]
    assert (em.earned_from, em.earned_to) == ("2026-01-05T10:00:00Z", "2026-01-10T10:00:00Z")

    active = verification_view(em, claim.record)
    revoked = verification_view(
        CertificateEntry(
            **{**em.__dict__, "revocation": Revocation(em.code, "Duplicate", "2026-12-01T00:00:00Z")}
        ),
        claim.record,
    )

    assert (active["valid"], active["status"], active["revoked_reason"]) == (True, "active", None)
    assert (revoked["valid"], revoked["status"], revoked["revoked_reason"]) == (False, "revoked", "Duplicate")
    assert (active["earned_from"], active["earned_to"]) == ("2026-01-05T10:00:00Z", "2026-01-10T10:00:00Z")


def test_a_code_item_without_dates_falls_back_to_the_claims() -> None:
    claim = stored()
    entry = CertificateEntry("ZZZZ-0001", "u-1", "cl-1", "zz", "Zoonoses Update", "Vet CME", Decimal("1.75"))

    view = verification_view(entry, claim.record)

    assert (view["earned_from"], view["earned_to"]) == (claim.record.earned_from, claim.record.earned_to)


def test_the_claim_shows_which_certificates_are_revoked() -> None:
    revocation = Revocation("ZZZZ-0001", "Attendance not confirmed", "2026-12-01T00:00:00Z")
    claim = stored(revocations={"ZZZZ-0001": revocation})

    shown = claim_view(claim)["certificates"]
    first = claim_view(claim, first_answer=True)["certificates"]

    assert [(c["certificate_code"], c["status"], c["revoked_reason"]) for c in shown] == [
        ("EMEM-0001", "active", None),
        ("ZZZZ-0001", "revoked", "Attendance not confirmed"),
    ]
    assert {c["status"] for c in first} == {"active"}  # a replayed 201 is the first answer


def test_a_revocation_answer_is_the_first_one() -> None:
    revocation = Revocation("ZZZZ-0001", "Attendance not confirmed", "2026-12-01T00:00:00Z")

    assert badges.revocation_view(revocation) == {
        "certificate_code": "ZZZZ-0001",
        "status": "revoked",
        "revoked_at": "2026-12-01T00:00:00Z",
        "reason": "Attendance not confirmed",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"status_list": "abc123"}', "abc123"),
        ('{"user_id": "u", "claim_id": "c"}', None),
        ('{"status_list": ""}', None),
        ('{"status_list": 5}', None),
        ("not json", None),
    ],
)
def test_a_sign_this_list_message_is_told_from_a_render_message(body: str, expected: str | None) -> None:
    assert status_list_target(body) == expected
