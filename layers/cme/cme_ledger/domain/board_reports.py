"""ABP MOC Part 2 reporting: the lines a claim owes the board and the PARS learner batch file
(docs/board-reports.md). Pure; services.board_reports runs a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from cme_ledger.domain.amounts import to_json_number
from cme_ledger.domain.model import Course, StoredClaim

BOARD = "ABP"
RECORD_ACTION_ADD = "A"
COLUMNS = (
    "Record Action",
    "Activity ID",
    "Completion Date",
    "First Name",
    "Last Name",
    "Birth Month/Day",
    "Board",
    "Board ID",
    "Points",
)


@dataclass(frozen=True)
class ReportLine:
    activity_id: str
    completion_date: str  # YYYY-MM-DD of the line's earned_at
    first_name: str
    last_name: str
    birth_month_day: str  # MM/DD
    board_id: str
    points: Decimal

    def row(self) -> list[str]:
        return [
            RECORD_ACTION_ADD,
            self.activity_id,
            self.completion_date,
            self.first_name,
            self.last_name,
            self.birth_month_day,
            BOARD,
            self.board_id,
            format(to_json_number(self.points), "f"),
        ]


def report_lines(stored: StoredClaim, courses: Mapping[str, Course]) -> list[ReportLine] | None:
    """One line per claimed credit, from the names and ids copied onto the claim; None when a
    course of the claim has no PARS activity id (the claim waits for staff to set it)."""
    claim = stored.record
    lines = []
    for line in stored.lines:
        course = courses.get(line.course_id)
        if course is None or not course.pars_activity_id:
            return None
        lines.append(
            ReportLine(
                activity_id=course.pars_activity_id,
                completion_date=line.earned_at[:10],
                first_name=claim.first_name,
                last_name=claim.last_name,
                birth_month_day=(claim.birth_month_day or "").replace("-", "/"),
                board_id=claim.abp_id or "",
                points=line.amount,
            )
        )
    return lines


def render_file(lines: list[ReportLine]) -> bytes:
    """The tab-delimited file: a header row, then one row per line (CRLF, UTF-8)."""
    rows = [list(COLUMNS), *(line.row() for line in lines)]
    return "".join("\t".join(_clean(cell) for cell in row) + "\r\n" for row in rows).encode("utf-8")


def _clean(cell: str) -> str:
    # A tab or line break inside a value would shift every later column.
    return " ".join(cell.replace("\t", " ").split()) if cell else ""
