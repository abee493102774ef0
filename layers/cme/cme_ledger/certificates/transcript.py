"""The transcript PDF (imports reportlab): the certificate's faces, so every name and title prints
in its own script; a table of activities with the AMA's documentation fields, its header on every
page; totals per credit type; page numbers. Pure: plain data in, bytes out.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab import rl_config
from reportlab.platypus import BaseDocTemplate, Frame, LongTable, PageTemplate, Spacer, TableStyle

from cme_ledger.certificates.document import amount, clean
from cme_ledger.certificates.drawing import draw_line, fitted
from cme_ledger.certificates.flowables import TextBlock
from cme_ledger.certificates.styles import (
    FOOTER_Y,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    PALETTE,
    TextStyle,
    plain_font,
    styles,
)
from cme_ledger.domain.transcript import Transcript

_TOP = PAGE_H - 54.0
_BOTTOM = 64.0
# Date, activity (title and provider), format, credit type, credits, certificate code.
_COLUMNS = (60.0, 158.0, 44.0, 84.0, 40.0, 118.0)
_MAX_TEXT = 400


def _styles() -> dict[str, TextStyle]:
    s = styles()
    p = PALETTE
    return {
        "title": TextStyle("serif-bold", 20, 24, p.navy, "left", space_after=4),
        "name": TextStyle("serif-bold", 14, 18, p.ink, "left"),
        "meta": TextStyle("sans", 9, 12, p.muted, "left"),
        "head": TextStyle("sans-bold", 8, 10, p.navy, "left"),
        "cell": s.cell,
        "small": TextStyle("sans", 7.5, 9.5, p.muted, "left"),
        "code": TextStyle("sans", 7, 9, p.ink, "left"),
        "section": s.section,
    }


def _cell(text: str, style: TextStyle) -> TextBlock:
    return TextBlock(clean(text, _MAX_TEXT), style)


def build_transcript_pdf(t: Transcript, generated_on: str) -> bytes:
    st = _styles()
    learner = clean(", ".join(x for x in (t.learner_name, t.degree) if x), _MAX_TEXT) or "Learner"
    boards = "; ".join(f"{board} ID {value}" for board, value in sorted(t.board_ids.items()))
    story: list[Any] = [
        TextBlock("Continuing medical education transcript", st["title"]),
        TextBlock(learner, st["name"]),
        TextBlock(
            f"Activities completed from {t.date_from} to {t.date_to}. Dates are days in {t.time_zone}."
            + (f" {boards}." if boards else ""),
            st["meta"],
        ),
        Spacer(1, 10),
    ]
    header = [
        _cell(label, st["head"])
        for label in ("Date", "Activity and provider", "Format", "Credit type", "Credits", "Certificate")
    ]
    rows: list[list[Any]] = [header]
    for row in t.rows:
        source = row.certificate_code or "Self-reported"
        rows.append(
            [
                _cell(row.date, st["cell"]),
                [_cell(row.activity_title, st["cell"]), _cell(row.provider, st["small"])],
                _cell(row.format or "\u2014", st["small"]),
                _cell(row.credit_type_label, st["small"]),
                _cell(amount(row.credits), st["cell"]),
                _cell(source, st["code"]),
            ]
        )
    if len(rows) == 1:
        rows.append(
            [_cell("\u2014", st["cell"]), _cell("No activity in this period.", st["cell"]), "", "", "", ""]
        )
    table = LongTable(rows, colWidths=list(_COLUMNS), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, PALETTE.navy),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [PALETTE.white, PALETTE.zebra]),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story.append(table)
    story += [Spacer(1, 12), TextBlock("Totals by credit type", st["section"])]
    totals = [
        [_cell(f"{code}", st["cell"]), _cell(amount(value), st["cell"])]
        for code, value in sorted(t.totals.items())
    ] or [[_cell("\u2014", st["cell"]), _cell("0.00", st["cell"])]]
    totals_table = LongTable(totals, colWidths=[200.0, 80.0])
    totals_table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, PALETTE.rule)]))
    story += [
        totals_table,
        Spacer(1, 12),
        TextBlock(
            "Credit claimed through CME Ledger carries a certificate code: verify it at the address printed "
            "on its certificate. Self-reported credit was recorded by the learner with its certificate.",
            st["small"],
        ),
    ]

    footer = f"CME transcript \u2014 {learner} \u2014 generated {generated_on}"

    def decorate(canvas: Any, _doc: Any) -> None:
        running = styles().running
        canvas.saveState()
        canvas.setStrokeColor(PALETTE.rule)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, FOOTER_Y + 11, PAGE_W - MARGIN_X, FOOTER_Y + 11)
        left, _ = fitted(footer, running.chain, running.size, (PAGE_W - 2 * MARGIN_X) * 0.8)
        draw_line(canvas, left, MARGIN_X, FOOTER_Y, running.size, PALETTE.muted)
        page, _ = fitted(f"Page {canvas.getPageNumber()}", running.chain, running.size, 100)
        draw_line(canvas, page, PAGE_W - MARGIN_X - page.width, FOOTER_Y, running.size, PALETTE.muted)
        canvas.restoreState()

    frame = Frame(
        MARGIN_X,
        _BOTTOM,
        PAGE_W - 2 * MARGIN_X,
        _TOP - _BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_W, PAGE_H),
        pageTemplates=[PageTemplate(id="transcript", frames=[frame], onPageEnd=decorate)],
        title=f"CME transcript \u2014 {learner}",
        author="CME Ledger",
        creator="CME Ledger",
        pageCompression=1,
        initialFontName=plain_font("sans"),
    )
    a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        doc.build(story)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()


def render_transcript(t: Transcript, generated_on: str) -> bytes:
    """The transcript's PDF (see the module docstring)."""
    return build_transcript_pdf(t, generated_on)
