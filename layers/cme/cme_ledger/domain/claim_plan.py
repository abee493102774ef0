"""A claim's plan: its lines, cut into chunks that each fit one DynamoDB transaction and one item.

Pure: plain data in, plain data out. A chunk is applied in one transaction (its credit updates and
its page, the item that records the chunk's lines), so a chunk holds at most `MAX_LINES` lines and
its page at most `PAGE_BUDGET` bytes, whatever the topics and course titles: API.md allows 5,000
selections, 300-character topics and titles, and a page must stay under DynamoDB's 400 KB item
limit. Each course's snapshot (title, provider, certificate code) is stored once, in the page of
the chunk where the course first appears, so no item ever grows with the number of courses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from cme_ledger.domain.amounts import ZERO
from cme_ledger.domain.model import ClaimLine, ClaimPage, CourseSnapshot

ITEMS = 100  # items in one DynamoDB transaction
MAX_LINES = 99  # credit updates per transaction: 99 + the page = 100 items, DynamoDB's limit
FIRST_LINES = 97  # a saga's first chunk: + its page, the pending claim record and the catalogue check
PAGE_BUDGET = 300_000  # bytes of a page item, with a margin under DynamoDB's 400 KB
TITLES_BUDGET = 64_000  # bytes of course titles kept on the claim record (for listings)
_LINE_OVERHEAD = 96  # attribute names and number encodings of one line, generously
_TAGS_OVERHEAD = 16  # the topics list's name and markers, and `live`
_TAG_OVERHEAD = 4  # per tag in that list
_COURSE_OVERHEAD = 96


@dataclass(frozen=True)
class PlannedLine:
    """One credit of a claim and the amount taken from it."""

    credit_id: str
    course_id: str
    topic: str
    earned_at: str
    expires_at: str
    amount: Decimal
    credit_amount: Decimal  # the credit's full amount (the write's condition)
    fills: bool  # after this line every offered type is fully claimed: leave the expiry index
    topics: tuple[str, ...] = ()  # the course's topic tags as of the claim (requirement rules)
    live: bool = False  # the course was live as of the claim


@dataclass(frozen=True)
class Chunk:
    index: int
    lines: tuple[PlannedLine, ...]
    courses: tuple[CourseSnapshot, ...]  # the courses whose first line is in this chunk


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def line_bytes(line: PlannedLine) -> int:
    return (
        _utf8(line.credit_id)
        + _utf8(line.course_id)
        + _utf8(line.topic)
        + _utf8(line.earned_at)
        + _LINE_OVERHEAD
        + (
            _TAGS_OVERHEAD + sum(_utf8(tag) + _TAG_OVERHEAD for tag in line.topics)
            if line.topics or line.live
            else 0
        )
    )


def course_bytes(course: CourseSnapshot) -> int:
    return (
        _utf8(course.course_id)
        + _utf8(course.title)
        + _utf8(course.provider)
        + _utf8(course.code)
        + _COURSE_OVERHEAD
    )


def order_lines(lines: Iterable[PlannedLine], titles: dict[str, str]) -> list[PlannedLine]:
    """Certificate order: by course title (then id), and in a course by date earned."""
    return sorted(
        lines,
        key=lambda ln: (titles.get(ln.course_id, ln.course_id), ln.course_id, ln.earned_at, ln.credit_id),
    )


def cut_chunks(
    lines: list[PlannedLine],
    snapshot: Callable[[str], CourseSnapshot],
    *,
    first_index: int = 0,
    known_courses: Iterable[str] = (),
    max_lines: int = MAX_LINES,
    first_lines: int | None = None,
    budget: int = PAGE_BUDGET,
) -> list[Chunk]:
    """Cut ordered lines into chunks of at most `max_lines` lines (the first: `first_lines`) and
    `budget` bytes of page.

    `snapshot(course_id)` gives the snapshot of a course met for the first time (its code is drawn
    then); courses in `known_courses` were snapshotted by chunks applied before (a resumed claim).
    """
    known = set(known_courses)
    chunks: list[Chunk] = []
    current: list[PlannedLine] = []
    current_courses: list[CourseSnapshot] = []
    size = 0
    for line in lines:
        new_course = snapshot(line.course_id) if line.course_id not in known else None
        cost = line_bytes(line) + (course_bytes(new_course) if new_course else 0)
        limit = first_lines if first_lines is not None and not chunks else max_lines
        if current and (len(current) >= limit or size + cost > budget):
            chunks.append(Chunk(first_index + len(chunks), tuple(current), tuple(current_courses)))
            current, current_courses, size = [], [], 0
        current.append(line)
        if new_course is not None:
            current_courses.append(new_course)
            known.add(line.course_id)
        size += cost
    if current:
        chunks.append(Chunk(first_index + len(chunks), tuple(current), tuple(current_courses)))
    return chunks


def total_of(lines: Iterable[PlannedLine]) -> Decimal:
    return sum((ln.amount for ln in lines), ZERO)


def listed_titles(titles_in_order: list[str], budget: int = TITLES_BUDGET) -> list[str] | None:
    """The course titles to keep on the claim record, or None when they would not fit its budget
    (a claim over thousands of courses: listings then read them from the claim's pages)."""
    return titles_in_order if sum(_utf8(t) + 4 for t in titles_in_order) <= budget else None


def one_transaction(lines: int, courses: int, board: bool) -> bool:
    """Whether a claim's writes fit one transaction: its credit updates, its page, the claim record,
    a code item per course, the board entry (ABP MOC Part 2) and the catalogue check."""
    return lines + 1 + 1 + courses + (1 if board else 0) + 1 <= ITEMS


def commit_fits(lines: int, courses: int, board: bool) -> bool:
    """Whether a saga's last chunk can carry the commit: its credit updates and page, the claim
    record's update, a code item per course of the claim, the board entry."""
    return lines + 1 + 1 + courses + (1 if board else 0) <= ITEMS


@dataclass(frozen=True)
class Plan:
    chunks: list[Chunk]
    single: bool  # one transaction applies and commits the whole claim


def plan(lines: list[PlannedLine], snapshot: Callable[[str], CourseSnapshot], *, board: bool) -> Plan:
    """The chunks of a claim: one transaction when everything fits one, else the saga's chunks with
    room in the first for the pending record and the catalogue check (docs/adr/0001)."""
    whole = cut_chunks(lines, snapshot)
    if len(whole) == 1 and one_transaction(len(lines), len(whole[0].courses), board):
        return Plan(whole, single=True)
    return Plan(cut_chunks(lines, snapshot, first_lines=FIRST_LINES), single=False)


def applied_page(user_id: str, claim_id: str, chunk: Chunk, applied_at: str) -> ClaimPage:
    """The page a chunk's transaction writes, as it reads back."""
    return ClaimPage(
        user_id=user_id,
        claim_id=claim_id,
        index=chunk.index,
        state="applied",
        applied_at=applied_at,
        lines=tuple(
            ClaimLine(ln.credit_id, ln.course_id, ln.topic, ln.earned_at, ln.amount, ln.topics, ln.live)
            for ln in chunk.lines
        ),
        courses=chunk.courses,
    )
