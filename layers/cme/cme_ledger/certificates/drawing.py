"""Drawing set lines onto a reportlab canvas: alignment, one-line fitting with an ellipsis for
running heads, and the PDF text objects (imports reportlab)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cme_ledger.certificates.fonts import FaceChain
from cme_ledger.certificates.typeset import Align, Line, Segment, SetText, visual


def one_line(text: SetText) -> Line:
    """The whole text on one line, however long."""
    segments: list[Segment] = []
    for k, unit in enumerate(text.units):
        segments.extend(unit.segments)
        if unit.space is not None and k + 1 < len(text.units):
            segments.append(unit.space)
    return visual(segments, text.rtl)


@lru_cache(maxsize=512)
def fitted(text: str, chain: FaceChain, size: float, width: float) -> tuple[Line, bool]:
    """`text` on one line of at most `width` points, cut with an ellipsis when it is longer; and
    whether the line runs right to left."""
    whole = SetText(text, chain, size)
    line = one_line(whole)
    if line.width <= width:
        return line, whole.rtl
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if one_line(SetText(text[:mid].rstrip() + "\u2026", chain, size)).width <= width:
            lo = mid
        else:
            hi = mid - 1
    cut = SetText(text[:lo].rstrip() + "\u2026", chain, size)
    return one_line(cut), cut.rtl


def line_left(line: Line, x: float, width: float, align: Align, rtl: bool) -> float:
    """Where a line starts for an alignment; "start" is the left for left-to-right text, the
    right for right-to-left text."""
    if align == "start":
        align = "right" if rtl else "left"
    if align == "center":
        return x + (width - line.width) / 2
    if align == "right":
        return x + width - line.width
    return x


def draw_lines(
    canvas: Any, placed: list[tuple[Line, float, float]], size: float, color: Any, *, bold: bool = False
) -> None:
    """Lines, each with its left end at x and its baseline at y, in one PDF text object.

    In a bold style, a fallback face that has no bold cut (CJK) is emboldened by stroking its
    outlines in the text colour, so a name does not turn light half way through.
    """
    faux = bold and any(not s.font.bold for line, _, _ in placed for s in line.segments)
    if faux:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(size * _FAUX_BOLD)
    tx = canvas.beginText()
    tx.setFillColor(color)
    current = None
    mode = 0
    for line, x, y in placed:
        for segment in line.segments:
            if segment.font is not current:
                current = segment.font
                tx.setFont(current.fontName, size)
                wanted = 2 if faux and not current.bold else 0  # 2: fill, then stroke
                if wanted != mode:
                    tx.setTextRenderMode(wanted)
                    mode = wanted
            tx.setTextOrigin(x, y)
            tx.textOut(segment.glyphs)
            x += segment.width
    if mode:
        tx.setTextRenderMode(0)
    canvas.drawText(tx)


_FAUX_BOLD = 0.03  # stroke width in ems


def draw_line(canvas: Any, line: Line, x: float, y: float, size: float, color: Any) -> None:
    """One line (regular weight) with its left end at x and its baseline at y."""
    if line.segments:
        draw_lines(canvas, [(line, x, y)], size, color)
