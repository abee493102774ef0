"""The transcript a clinician hands a licensing board in an audit (API.md `GET /me/transcript`).

Pure. One row per certificate of a committed claim (revoked ones left out: they count toward
nothing) and per credit earned elsewhere, by date; the AMA's documentation fields per activity
(provider, title, format, date, credit type, credit claimed, certificate code), totals per credit
type, and the learner's name, degree and board ids. A certificate's date is the day its last credit
was earned, in the time zone its claim was made in (the day its certificate prints).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cme_ledger.domain.amounts import ZERO, to_json_number
from cme_ledger.domain.calendar import add_years
from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.model import StoredClaim
from cme_ledger.domain.times import parse_iso

CSV_COLUMNS = (
    "source",
    "date",
    "provider",
    "activity_title",
    "format",
    "credit_type",
    "credit_type_label",
    "credits",
    "certificate_code",
    "topics",
)


@dataclass(frozen=True)
class TranscriptRow:
    source: str  # claim | external
    date: str  # YYYY-MM-DD: the day the activity was completed
    provider: str
    activity_title: str
    format: str  # live | enduring | "" (not known)
    credit_type: str
    credit_type_label: str
    credits: Decimal
    certificate_code: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Transcript:
    learner_name: str
    degree: str
    board_ids: Mapping[str, str]
    time_zone: str
    date_from: str
    date_to: str
    rows: tuple[TranscriptRow, ...]
    totals: Mapping[str, Decimal]


class External(Protocol):
    """Credit earned elsewhere, as the transcript needs it."""

    @property
    def title(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def credit_type(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def completed_on(self) -> str: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def live(self) -> bool: ...


def label_of(code: str) -> str:
    known = CREDIT_TYPES.get(code)
    return known.label if known else code


def period(date_from: date | None, date_to: date | None, today: date) -> tuple[str, str]:
    """The dates asked (default: the last 3 years to today); `from` after `to` is a 422."""
    end = date_to or today
    start = date_from or add_years(datetime(end.year, end.month, end.day), -3).date()
    if start > end:
        raise InvalidInput("The period is empty.", [{"field": "from", "reason": "after to"}])
    return start.isoformat(), end.isoformat()


def claim_rows(stored: StoredClaim) -> list[TranscriptRow]:
    """One row per certificate (course) of a committed claim; revoked certificates are left out."""
    claim = stored.record
    revoked = set(claim.revocations)
    zone = ZoneInfo(claim.time_zone or "UTC")
    by_course: dict[str, list[Any]] = {}
    for line in stored.lines:
        by_course.setdefault(line.course_id, []).append(line)
    rows = []
    for course_id, snapshot in stored.courses.items():
        if snapshot.code in revoked:
            continue
        lines = by_course.get(course_id, [])
        if not lines:
            continue
        last = max(line.earned_at for line in lines)
        tags = sorted({tag for line in lines for tag in line.topics})
        live = {line.live for line in lines}
        rows.append(
            TranscriptRow(
                source="claim",
                date=parse_iso(last).astimezone(zone).date().isoformat(),
                provider=snapshot.provider,
                activity_title=snapshot.title,
                format="live" if live == {True} else "enduring" if live == {False} else "",
                credit_type=claim.credit_type,
                credit_type_label=label_of(claim.credit_type),
                credits=sum((line.amount for line in lines), ZERO),
                certificate_code=snapshot.code,
                topics=tuple(tags),
            )
        )
    return rows


def external_rows(externals: Iterable[External]) -> list[TranscriptRow]:
    return [
        TranscriptRow(
            source="external",
            date=item.completed_on,
            provider=item.provider,
            activity_title=item.title,
            format="live" if item.live else "enduring",
            credit_type=item.credit_type,
            credit_type_label=label_of(item.credit_type),
            credits=item.amount,
            certificate_code=None,
            topics=tuple(item.topics),
        )
        for item in externals
    ]


def transcript(
    learner_name: str,
    degree: str,
    board_ids: Mapping[str, str],
    time_zone: str,
    date_from: str,
    date_to: str,
    rows: Iterable[TranscriptRow],
) -> Transcript:
    """The rows dated within [from, to], by date (then title), with totals per credit type."""
    chosen = sorted(
        (row for row in rows if date_from <= row.date <= date_to),
        key=lambda r: (r.date, r.activity_title, r.source, r.certificate_code or ""),
    )
    totals: dict[str, Decimal] = {}
    for row in chosen:
        totals[row.credit_type] = totals.get(row.credit_type, ZERO) + row.credits
    return Transcript(
        learner_name, degree, dict(board_ids), time_zone, date_from, date_to, tuple(chosen), totals
    )


def transcript_view(t: Transcript) -> dict[str, Any]:
    """The JSON answer of API.md."""
    return {
        "learner": {"display_name": t.learner_name, "degree": t.degree, "board_ids": dict(t.board_ids)},
        "from": t.date_from,
        "to": t.date_to,
        "items": [
            {
                "source": row.source,
                "date": row.date,
                "provider": row.provider,
                "activity_title": row.activity_title,
                "credit_type": row.credit_type,
                "credit_type_label": row.credit_type_label,
                "credits": to_json_number(row.credits),
                "certificate_code": row.certificate_code,
                "topics": list(row.topics),
            }
            for row in t.rows
        ],
        "totals": {code: to_json_number(value) for code, value in sorted(t.totals.items())},
    }


def _cell(value: str) -> str:
    # A cell a spreadsheet would read as a formula (=, +, -, @ first) is prefixed with an
    # apostrophe (OWASP's CSV injection advice): titles and names are the learner's own text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(t: Transcript) -> str:
    """RFC 4180: CRLF line ends, a header row, fields quoted where needed; UTF-8 (the route adds the
    byte order mark spreadsheets look for)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in t.rows:
        writer.writerow(
            [
                row.source,
                row.date,
                _cell(row.provider),
                _cell(row.activity_title),
                row.format,
                row.credit_type,
                row.credit_type_label,
                str(to_json_number(row.credits)),
                row.certificate_code or "",
                "; ".join(row.topics),
            ]
        )
    return out.getvalue()
