"""The claim's items as DynamoDB would size them, at API.md's maxima (issue 12, point 2).

No AWS is needed: pynamodb serializes the items, and their size is computed by DynamoDB's published
rules (attribute names and values in UTF-8; numbers about half their digits; 3 bytes per map or
list plus 1 per element). moto does not enforce the 4 MB limit of a transaction, so it is checked
here too.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from cme_ledger.domain.claim_plan import PlannedLine, cut_chunks, listed_titles
from cme_ledger.domain.model import ClaimRecord, CourseSnapshot
from cme_ledger.domain.topic_tags import TOPIC_TAGS
from cme_ledger.store import claim_items

ITEM_LIMIT = 400 * 1024
TRANSACTION_LIMIT = 4 * 1024 * 1024
ASTRAL = "\U0001d504"


def value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return (len(inner.lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    raise AssertionError(kind)


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _maximal_chunks() -> list[Any]:
    lines = [
        PlannedLine(
            credit_id=f"20260101T000000Z-{i:010x}",
            course_id=f"{i:064d}",
            topic=ASTRAL * 300,
            earned_at="2026-01-01T00:00:00Z",
            expires_at="2029-01-01T00:00:00Z",
            amount=Decimal("99.75"),
            credit_amount=Decimal("100"),
            fills=True,
            topics=tuple(TOPIC_TAGS),  # every tag a course can carry, on every line
            live=True,
        )
        for i in range(5000)
    ]
    codes = itertools.count()
    return cut_chunks(
        lines, lambda cid: CourseSnapshot(cid, ASTRAL * 300, ASTRAL * 200, f"{next(codes):020d}")
    )


def test_every_page_and_its_transaction_fit_at_the_maxima() -> None:
    for chunk in _maximal_chunks():
        page = claim_items.page_item(
            "u" * 128, "cl_" + "0" * 24, chunk.index, "applied", chunk, "2026-01-01T00:00:00Z"
        )
        size = item_size(page)
        assert size < ITEM_LIMIT, (chunk.index, size)
        # The transaction: the page and one credit update per line (each well under 1 KB).
        assert size + 1024 * len(chunk.lines) < TRANSACTION_LIMIT


def test_the_claim_record_fits_at_the_maxima() -> None:
    chunks = _maximal_chunks()
    titles = sorted(c.title for chunk in chunks for c in chunk.courses)
    listed = listed_titles(titles)
    record = ClaimRecord(
        user_id="u" * 128,
        claim_id="cl_" + "0" * 24,
        credit_type="AMA_PRA_1",
        status="pending",
        request_hash="0" * 64,
        created_at="2026-01-01T00:00:00Z",
        total=Decimal("498750"),
        line_count=5000,
        chunk_count=len(chunks),
        plan=tuple(tuple((ln.credit_id, ln.amount) for ln in chunk.lines) for chunk in chunks),
        earned_from="2026-01-01T00:00:00Z",
        earned_to="2026-01-01T00:00:00Z",
        display_name=ASTRAL * 120,
        degree=ASTRAL * 40,
        first_name=ASTRAL * 60,
        last_name=ASTRAL * 60,
        course_count=len(titles),
        course_titles=tuple(listed) if listed is not None else None,
    )
    assert item_size(claim_items.item_of(record).serialize()) < ITEM_LIMIT
