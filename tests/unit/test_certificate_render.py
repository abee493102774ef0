"""The PDF certificate renderer, read back with pypdf."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from cme_ledger.certificates.render import (
    CertificateDocument,
    CourseCertificate,
    TopicLine,
    format_certificate_code,
    render_pdf,
)

LABEL = "AMA PRA Category 1 Credit\u2122"
STATEMENT = (
    "The provider designates this enduring material for a maximum of the credits shown as "
    "AMA PRA Category 1 Credit\u2122."
)
START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
CLAIMED = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def course(
    title: str,
    topics: list[tuple[str, datetime, str]],
    *,
    code: str | None = "7KQ4M2XD9PRTH3VW",
    provider: str = "Summit Institute for Emergency Medicine",
    total: str | None = None,
) -> CourseCertificate:
    lines = tuple(TopicLine(topic, when, Decimal(amount)) for topic, when, amount in topics)
    return CourseCertificate(
        course_title=title,
        provider=provider,
        total=Decimal(total) if total is not None else sum((line.amount for line in lines), Decimal(0)),
        topics=lines,
        certificate_code=code,
        verify_url=f"https://cme.example.org/verify/{code}" if code else None,
    )


def numbered(prefix: str, count: int, amount: str = "0.25") -> list[tuple[str, datetime, str]]:
    return [(f"{prefix} topic {i:04d}", START + timedelta(hours=i), amount) for i in range(count)]


def document(
    *certificates: CourseCertificate,
    name: str = "Dana Whitfield",
    degree: str = "MD",
    preview: bool = False,
    unit: str = "credits",
) -> CertificateDocument:
    return CertificateDocument(
        learner_name=name,
        degree=degree,
        credit_type_label=LABEL,
        credit_statement=STATEMENT,
        unit=unit,
        claimed_at=CLAIMED,
        certificates=certificates,
        preview=preview,
    )


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def page_of(texts: list[str], needle: str) -> int:
    return next(i for i, text in enumerate(texts) if needle in text)


def preview_of(certificate: CourseCertificate) -> CourseCertificate:
    return CourseCertificate(
        certificate.course_title, certificate.provider, certificate.total, certificate.topics, None, None
    )


EM_TOPICS = [
    ("Airway management in the crashing patient", START, "1.25"),
    ("Sepsis and septic shock", START + timedelta(days=7), "1.5"),
    ("ECG pitfalls: OMI and Wellens patterns", START + timedelta(days=30), "1"),
]


def test_importing_the_renderer_does_not_load_reportlab() -> None:
    layer = Path(__file__).resolve().parents[2] / "layers" / "cme"
    heavy = ("reportlab", "uharfbuzz", "bidi", "cme_fonts")
    code = (
        "import sys; import cme_ledger.certificates, cme_ledger.certificates.render; "
        f"sys.exit(1 if any(m.split('.')[0] in {heavy!r} for m in sys.modules) else 0)"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", code], env={"PYTHONPATH": str(layer)}, check=False, timeout=60
    )
    assert result.returncode == 0


def test_learner_degree_provider_statement_and_total() -> None:
    texts = pages(render_pdf(document(course("Emergency Medicine Review", EM_TOPICS))))
    first = texts[0]
    assert "This is to certify that" in first
    assert "Dana Whitfield, MD" in first
    assert "Summit Institute for Emergency Medicine" in first
    assert "Emergency Medicine Review" in first
    assert "3.75 AMA PRA Category 1 Credit\u2122" in first
    assert "enduring material for a maximum of the credits shown" in first


def test_no_degree_prints_the_name_alone() -> None:
    texts = pages(render_pdf(document(course("Course", EM_TOPICS), degree="")))
    assert "Dana Whitfield" in texts[0]
    assert "Dana Whitfield," not in texts[0]


def test_topic_table_dates_amounts_activity_dates_and_claim_date() -> None:
    text = pages(render_pdf(document(course("Course", EM_TOPICS))))[0]
    for header in ("Topic", "Date earned", "Amount"):
        assert header in text
    assert "Airway management in the crashing patient" in text
    assert "2026-01-05" in text and "2026-01-12" in text and "2026-02-04" in text
    # Amounts with exactly two decimals, from the Decimal.
    assert "1.25" in text and "1.50" in text and "1.00" in text
    assert "2026-01-05 to 2026-02-04" in text  # first and last earned
    assert "2026-04-02" in text  # claim date
    assert "Course total (credits)" in text
    assert "3.75" in text


def test_dates_are_utc_days() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC) + timedelta(hours=1)  # 2026-03-02 00:30 UTC
    text = pages(render_pdf(document(course("Course", [("Late", late, "1")]))))[0]
    assert "2026-03-02" in text


def test_each_certificate_starts_on_a_new_page_in_the_given_order() -> None:
    titles = ["Airway Essentials", "Burn Care", "Cardiology Update"]
    certificates = [
        course(title, numbered(title, 3), code=f"CODE{index}AAAABBBBCCCC")
        for index, title in enumerate(titles)
    ]
    texts = pages(render_pdf(document(*certificates)))
    assert len(texts) == 3
    for index, (title, text) in enumerate(zip(titles, texts, strict=True)):
        assert title in text
        assert f"CODE{index}AAAABBBBCCCC" in text
        assert f"Page {index + 1}" in text
        assert text.count("This is to certify that") == 1


def test_certificate_code_and_verify_url_are_printed() -> None:
    text = pages(render_pdf(document(course("Course", EM_TOPICS, code="R8N2WQ5CJ7MZ4TKB"))))[0]
    assert "R8N2WQ5CJ7MZ4TKB" in text
    assert "https://cme.example.org/verify/R8N2WQ5CJ7MZ4TKB" in text
    assert "PREVIEW" not in text


def test_long_topic_list_flows_over_pages_with_header_footer_and_code_on_each() -> None:
    texts = pages(render_pdf(document(course("Toxicology", numbered("Tox", 150), code="LONGCODE12345678"))))
    assert len(texts) >= 4
    for number, text in enumerate(texts, start=1):
        assert "Date earned" in text and "Amount" in text  # header row repeated
        assert f"Page {number}" in text
        assert "LONGCODE12345678" in text
    for text in texts[1:]:
        assert "Toxicology (continued)" in text
    joined = "\n".join(texts)
    for i in range(150):
        assert f"Tox topic {i:04d}" in joined
    # The total row comes once, on the last page.
    assert joined.count("Course total (credits)") == 1
    assert "Course total (credits)" in texts[-1]


def test_footer_code_changes_with_the_certificate() -> None:
    first = course("Alpha", numbered("Alpha", 80), code="FIRSTCODE0000000")
    second = course("Beta", numbered("Beta", 80), code="SECONDCODE000000")
    texts = pages(render_pdf(document(first, second)))
    start_beta = page_of(texts, "Beta topic 0000")
    assert start_beta > 1
    assert all("FIRSTCODE0000000" in t and "SECONDCODE000000" not in t for t in texts[:start_beta])
    assert all("SECONDCODE000000" in t and "FIRSTCODE0000000" not in t for t in texts[start_beta:])


def test_thousand_topics_over_twenty_courses_all_present_in_title_order() -> None:
    titles = [f"Course {chr(ord('A') + i)} review" for i in range(20)]
    certificates = [
        course(title, numbered(f"C{index:02d}", 50), code=f"CODE{index:02d}XXXXXXXXXX")
        for index, title in enumerate(titles)
    ]
    texts = pages(render_pdf(document(*certificates)))
    joined = "\n".join(texts)
    for index in range(20):
        for i in range(50):
            assert f"C{index:02d} topic {i:04d}" in joined
    starts = [page_of(texts, title) for title in titles]
    assert starts == sorted(starts)
    assert len(set(starts)) == 20
    assert joined.count("12.50 AMA PRA Category 1 Credit\u2122") == 20


def test_preview_is_watermarked_on_every_page_and_has_no_code() -> None:
    preview = document(
        preview_of(course("Alpha", numbered("Alpha", 90))),
        preview_of(course("Beta", EM_TOPICS)),
        preview=True,
    )
    texts = pages(render_pdf(preview))
    assert len(texts) >= 3
    assert all("PREVIEW" in text for text in texts)
    assert "this is a preview, not a certificate" in texts[0]
    assert all("Certificate code " not in text for text in texts)
    assert "Dana Whitfield, MD" in texts[0]


def test_real_certificate_has_no_preview_mark() -> None:
    texts = pages(render_pdf(document(course("Alpha", numbered("Alpha", 90)))))
    assert len(texts) >= 2
    assert all("PREVIEW" not in text.upper() for text in texts)


def test_xml_special_characters_are_printed_as_text() -> None:
    nasty = "Hyponatremia: Na < 135 & K > 5.5 <b>not bold</b> &amp; ]]>"
    certificate = course(
        "Fluids & Electrolytes <Advanced>", [(nasty, START, "0.5")], provider="Smith & Jones <CME>"
    )
    text = pages(render_pdf(document(certificate, name="Zoë O'Brien & Co", degree="<DO>")))[0]
    assert nasty in text
    assert "Fluids & Electrolytes <Advanced>" in text
    assert "Smith & Jones <CME>" in text
    assert "Zoë O'Brien & Co, <DO>" in text


def test_long_topic_text_wraps_and_stays_whole() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    text = pages(render_pdf(document(course("Course", [(words, START, "1")]))))[0]
    flat = " ".join(text.split())
    assert words in flat


def test_unit_is_printed() -> None:
    text = pages(render_pdf(document(course("Course", EM_TOPICS), unit="contact hours")))[0]
    assert "Course total (contact hours)" in text


def test_invalid_documents_are_refused() -> None:
    with pytest.raises(ValueError):
        render_pdf(document())
    with pytest.raises(ValueError):
        render_pdf(document(course("Course", EM_TOPICS, code=None)))
    # The same certificate is fine in a preview.
    assert pages(render_pdf(document(course("Course", EM_TOPICS, code=None), preview=True)))


def test_format_certificate_code() -> None:
    assert format_certificate_code("7KQ4M2XD9PRTH3VW") == "7KQ4-M2XD-9PRT-H3VW"
    assert format_certificate_code("7KQ4-M2XD-9PRT-H3VW") == "7KQ4-M2XD-9PRT-H3VW"
    assert format_certificate_code("ABCDEF") == "ABCD-EF"


def test_typographic_marks_print_as_such() -> None:
    marks = "Physicians\u2019 credit \u2014 \u201ccommensurate\u201d with participation."
    base = document(course("Course", EM_TOPICS))
    pdf = render_pdf(
        CertificateDocument(
            learner_name=base.learner_name,
            degree=base.degree,
            credit_type_label=LABEL,
            credit_statement=marks,
            unit=base.unit,
            claimed_at=base.claimed_at,
            certificates=base.certificates,
        )
    )
    text = " ".join(pages(pdf)[0].split())
    assert "3.75 AMA PRA Category 1 Credit\u2122" in text
    assert marks in text
    assert "(TM)" not in text
