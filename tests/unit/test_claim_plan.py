"""The claim plan's chunks at API.md's maxima: pure, no AWS (issue 12, point 2)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from cme_ledger.domain.claim_plan import (
    FIRST_LINES,
    ITEMS,
    MAX_LINES,
    PAGE_BUDGET,
    CourseSnapshot,
    PlannedLine,
    course_bytes,
    cut_chunks,
    line_bytes,
    listed_titles,
    order_lines,
    plan,
)
from cme_ledger.domain.topic_tags import TOPIC_TAGS

ASTRAL = "\U0001d504"  # 4 bytes in UTF-8: the worst case for a 300-character text


def line(i: int, course: str, topic: str = "Topic", tags: tuple[str, ...] = ()) -> PlannedLine:
    return PlannedLine(
        credit_id=f"20260101T000000Z-{i:010x}",
        course_id=course,
        topic=topic,
        earned_at="2026-01-01T00:00:00Z",
        expires_at="2029-01-01T00:00:00Z",
        amount=Decimal("1"),
        credit_amount=Decimal("1"),
        fills=True,
        topics=tags,
        live=bool(tags),
    )


def snapshots(title: str = "T", provider: str = "P") -> tuple[list[CourseSnapshot], object]:
    made: list[CourseSnapshot] = []
    codes = itertools.count()

    def snapshot(course_id: str) -> CourseSnapshot:
        made.append(CourseSnapshot(course_id, title, provider, f"CODE-{next(codes):016d}"))
        return made[-1]

    return made, snapshot


def test_every_chunk_fits_one_transaction_and_one_item_at_the_maxima() -> None:
    """5,000 selections over 5,000 courses, 300-character topics, titles and 200-character providers
    of 4-byte characters, every line with every topic tag and live: about 17 MB of text, in chunks
    that each fit."""
    lines = [line(i, f"{i:064d}", ASTRAL * 300, tuple(TOPIC_TAGS)) for i in range(5000)]
    made, snapshot = snapshots(ASTRAL * 300, ASTRAL * 200)
    chunks = cut_chunks(lines, snapshot)  # type: ignore[arg-type]
    assert [ln for chunk in chunks for ln in chunk.lines] == lines  # every line once, in order
    assert len(made) == 5000  # one snapshot per course, each in one chunk only
    assert sorted(c.course_id for chunk in chunks for c in chunk.courses) == sorted(
        {ln.course_id for ln in lines}
    )
    for chunk in chunks:
        assert 1 <= len(chunk.lines) <= MAX_LINES
        size = sum(line_bytes(ln) for ln in chunk.lines) + sum(course_bytes(c) for c in chunk.courses)
        assert size <= PAGE_BUDGET
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_short_texts_fill_chunks_of_99_lines_and_a_course_is_snapshotted_once() -> None:
    lines = [line(i, "em") for i in range(250)]
    made, snapshot = snapshots()
    chunks = cut_chunks(lines, snapshot)  # type: ignore[arg-type]
    assert [len(c.lines) for c in chunks] == [99, 99, 52]
    assert [len(c.courses) for c in chunks] == [1, 0, 0]
    assert len(made) == 1


def test_a_resumed_plan_does_not_snapshot_courses_known_from_applied_chunks() -> None:
    lines = [line(i, "em" if i < 10 else "ob") for i in range(20)]
    _, snapshot = snapshots()
    chunks = cut_chunks(lines, snapshot, first_index=3, known_courses={"em"})  # type: ignore[arg-type]
    assert chunks[0].index == 3
    assert [c.course_id for c in chunks[0].courses] == ["ob"]


def test_lines_are_ordered_by_course_title_then_date_earned() -> None:
    a = line(1, "b-course")
    b = line(2, "a-course")
    c = PlannedLine(**{**line(3, "b-course").__dict__, "earned_at": "2025-01-01T00:00:00Z"})
    titles = {"a-course": "Zebra", "b-course": "Apple"}
    assert order_lines([a, b, c], titles) == [c, a, b]


def test_course_titles_stay_on_the_claim_record_only_while_they_fit() -> None:
    assert listed_titles(["Airway", "Burns"]) == ["Airway", "Burns"]
    assert listed_titles([ASTRAL * 300] * 5000) is None


def test_a_line_s_topic_tags_and_live_count_toward_its_page() -> None:
    assert line_bytes(line(1, "em", tags=("ethics",))) > line_bytes(line(1, "em"))
    assert line_bytes(line(1, "em", tags=tuple(TOPIC_TAGS))) - line_bytes(line(1, "em")) > sum(
        len(t) for t in TOPIC_TAGS
    )


def test_a_claim_that_fits_one_transaction_is_one() -> None:
    """Credits + page + claim record + a code item per course + the board entry + the catalogue
    check: at most 100 items (issue 15)."""
    _, snapshot = snapshots()
    three = [line(i, ("em", "ob", "tox")[i % 3]) for i in range(ITEMS - 3 - 3)]  # 94 + 3 + 3 = 100
    made = plan(three, snapshot, board=False)  # type: ignore[arg-type]
    assert made.single and len(made.chunks) == 1 and len(made.chunks[0].lines) == 94
    # the board entry is the 101st item
    assert not plan(three, snapshot, board=True).single  # type: ignore[arg-type]
    assert not plan([line(i, "em") for i in range(97)], snapshot, board=False).single  # type: ignore[arg-type]


def test_a_larger_claim_leaves_room_in_its_first_chunk_for_its_record_and_catalogue_check() -> None:
    _, snapshot = snapshots()
    made = plan([line(i, "em") for i in range(250)], snapshot, board=False)  # type: ignore[arg-type]
    assert not made.single
    assert [len(c.lines) for c in made.chunks] == [FIRST_LINES, 99, 250 - FIRST_LINES - 99]
    assert FIRST_LINES + 1 + 1 + 1 == ITEMS  # its page, the pending record, the catalogue check
