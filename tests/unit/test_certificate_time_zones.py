"""Every date on a certificate is the day the learner lived it, in their time zone, named in small print."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from cme_ledger.certificates.render import CertificateDocument, CourseCertificate, TopicLine, render_pdf


def printed(claimed_at: datetime, earned: list[datetime], time_zone: str | None) -> str:
    """The first page's text of a certificate claimed at `claimed_at` for topics earned at `earned`."""
    certificate = CourseCertificate(
        course_title="Emergency Medicine Review",
        provider="Summit Institute",
        total=Decimal(len(earned)),
        topics=tuple(TopicLine(f"Topic {i}", when, Decimal(1)) for i, when in enumerate(earned)),
        certificate_code="7KQ4-M2XD-9PRT-H3VW",
        verify_url="https://cme.example.org/verify/7KQ4-M2XD-9PRT-H3VW",
    )
    document = CertificateDocument(
        learner_name="Dana Whitfield",
        degree="MD",
        credit_type_label="AMA PRA Category 1 Credit\u2122",
        credit_statement="Statement.",
        unit="credits",
        claimed_at=claimed_at,
        certificates=(certificate,),
    )
    if time_zone is not None:
        document = replace(document, time_zone=time_zone)
    pdf = render_pdf(document)
    return " ".join((PdfReader(BytesIO(pdf)).pages[0].extract_text() or "").split())


def test_claim_at_6_pm_in_california_is_dated_that_day() -> None:
    claimed = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)  # 1 April, 18:00 in Los Angeles (PDT)
    text = printed(claimed, [claimed], "America/Los_Angeles")
    assert "DATE CLAIMED 2026-04-01" in text
    assert "2026-04-02" not in text
    assert "America/Los_Angeles" in text


def test_claim_at_2330_local_on_the_last_day_of_a_month_stays_in_that_month() -> None:
    # 31 March 2026, 23:30 in New York (EDT, UTC-4) is 1 April 03:30 UTC.
    late = datetime(2026, 4, 1, 3, 30, tzinfo=UTC)
    text = printed(late, [datetime(2026, 3, 2, 12, tzinfo=UTC), late], "America/New_York")
    assert "DATE CLAIMED 2026-03-31" in text
    assert "ACTIVITY DATES 2026-03-02 to 2026-03-31" in text
    assert "Topic 1 2026-03-31" in text  # the topic's own date too
    assert "2026-04-01" not in text


def test_learner_in_utc_plus_14_is_a_day_ahead() -> None:
    # Kiritimati (UTC+14): 31 January 10:30 UTC is already 1 February 00:30 there.
    moment = datetime(2026, 1, 31, 10, 30, tzinfo=UTC)
    text = printed(moment, [moment], "Pacific/Kiritimati")
    assert "DATE CLAIMED 2026-02-01" in text
    assert "ACTIVITY DATES 2026-02-01" in text
    assert "Topic 0 2026-02-01" in text
    assert "2026-01-31" not in text
    assert "Pacific/Kiritimati" in text


def test_learner_in_utc_minus_10_is_a_day_behind() -> None:
    # Honolulu (UTC-10): 1 March 09:30 UTC is still 28 February 23:30 there.
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    text = printed(moment, [moment], "Pacific/Honolulu")
    assert "DATE CLAIMED 2026-02-28" in text
    assert "Topic 0 2026-02-28" in text
    assert "2026-03-01" not in text
    assert "Pacific/Honolulu" in text


def test_a_learner_who_never_set_a_zone_gets_utc() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    text = printed(moment, [datetime(2026, 2, 28, 23, 30, tzinfo=UTC)], None)
    assert "DATE CLAIMED 2026-03-01" in text
    assert "Topic 0 2026-02-28" in text
    assert "Dates are days in UTC." in text


def test_an_unknown_zone_is_refused_rather_than_printing_wrong_days() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for zone in ("Mars/Olympus_Mons", "", "../../etc/passwd"):
        with pytest.raises(ValueError):
            printed(moment, [moment], zone)
