"""What a certificate PDF shows, and the plain-text rules for printing it. No reportlab here.

The dataclasses are the renderer's whole input (re-exported by `render`); the helpers turn its
values into the strings that are printed: cleaned user text, amounts, and days in the learner's
time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CertificateDocument",
    "CourseCertificate",
    "TopicLine",
    "check_document",
    "format_certificate_code",
]


@dataclass(frozen=True)
class TopicLine:
    topic: str
    earned_at: datetime  # timezone-aware UTC
    amount: Decimal


@dataclass(frozen=True)
class CourseCertificate:
    course_title: str
    provider: str
    total: Decimal
    topics: tuple[TopicLine, ...]  # already in the order to print (oldest first)
    certificate_code: str | None  # None in a preview
    verify_url: str | None  # full URL encoded in the QR code; None in a preview


@dataclass(frozen=True)
class CertificateDocument:
    learner_name: str  # as given, any script
    degree: str  # may be ""
    credit_type_label: str  # e.g. "AMA PRA Category 1 Credit™"
    credit_statement: str  # accreditation statement printed on the certificate
    unit: str  # e.g. "credits", "contact hours", "points"
    claimed_at: datetime  # timezone-aware UTC
    certificates: tuple[CourseCertificate, ...]  # caller passes them in title order
    preview: bool = False
    time_zone: str = "UTC"  # IANA name of the learner's zone: every printed date is a day there


# Longest texts printed; longer ones end with an ellipsis so that one table row or the heading
# block always fits on a page.
MAX_TOPIC = 1000
MAX_LINE = 400
MAX_STATEMENT = 3000
MAX_URL = 1000  # a QR code at level M holds about 2,300 bytes; verify URLs are far shorter

# C0/C1 controls print as spaces. Bidi embeddings, overrides and isolates (the API refuses them)
# are dropped: the renderer sets each text's direction itself, and a stray override would turn
# a name backwards. Supplementary private use (planes 15-16) is where the font layer keeps its
# own glyph keys, so such characters print as U+FFFD rather than as some unrelated glyph.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_PRIVATE_KEYS = re.compile("[\U000f0000-\U0010ffff]")
_CODE_SEPARATORS = re.compile(r"[\s\-]+")
_CENT = Decimal("0.01")


def format_certificate_code(raw: str, group: int = 4) -> str:
    """A code in hyphen-separated groups for reading aloud: "7KQ4M2XD9PRTH3VW" -> "7KQ4-M2XD-9PRT-H3VW".

    Spaces and hyphens already in `raw` are dropped first (so the function is idempotent); case
    and every other character are kept. `render_pdf` prints codes exactly as given.
    """
    if group < 1:
        raise ValueError("group must be at least 1")
    compact = _CODE_SEPARATORS.sub("", raw)
    return "-".join(compact[i : i + group] for i in range(0, len(compact), group))


def clean(text: str, limit: int) -> str:
    """One printable line: controls become spaces, runs of white space one space, and overlong
    text is cut with an ellipsis. Letters, marks and punctuation are kept exactly as given."""
    text = _PRIVATE_KEYS.sub("\ufffd", _BIDI_CONTROLS.sub("", _CONTROL.sub(" ", text)))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def amount(value: Decimal) -> str:
    """Exactly two decimals, computed on the Decimal (never through float)."""
    if not value.is_finite():
        return str(value)
    return f"{value.quantize(_CENT):f}"


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError when it is not one (so no certificate prints wrong days)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def day(moment: datetime, tz: ZoneInfo) -> str:
    """YYYY-MM-DD of the day `moment` falls on in `tz` (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date().isoformat()


def learner_line(document: CertificateDocument) -> str:
    name = clean(document.learner_name, MAX_LINE)
    degree = clean(document.degree, MAX_LINE)
    return f"{name}, {degree}" if name and degree else name or degree


def activity_dates(certificate: CourseCertificate, tz: ZoneInfo) -> str:
    if not certificate.topics:
        return "\u2014"
    days = [day(line.earned_at, tz) for line in certificate.topics]
    first, last = min(days), max(days)
    return first if first == last else f"{first} to {last}"


def zone_note(name: str) -> str:
    """The small print naming the zone the dates are in."""
    return f"Dates are days in the {name} time zone." if name != "UTC" else "Dates are days in UTC."


def check_document(document: CertificateDocument) -> None:
    """ValueError for a document that cannot make a valid PDF (see `render_pdf`)."""
    if not document.certificates:
        raise ValueError("a certificate document needs at least one certificate")
    zone(document.time_zone)
    if document.preview:
        return
    for certificate in document.certificates:
        if not certificate.certificate_code or not certificate.verify_url:
            raise ValueError("a certificate needs a certificate_code and a verify_url (unless in a preview)")
        if len(certificate.verify_url) > MAX_URL or _CONTROL.search(certificate.verify_url):
            raise ValueError(f"verify_url must be at most {MAX_URL} printable characters")
