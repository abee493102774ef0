"""The platypus flowables of a certificate: text in any script, the page-state marker, the topic
table that splits in linear time, and the QR code (imports reportlab).

The topic table is measured once and cut into one platypus Table per page (header row on every
page), so a long claim renders in time linear in the number of topics; a single platypus Table
split page by page copies the remaining rows at every page break, which is quadratic.
"""

from __future__ import annotations

import itertools
from typing import Any

import segno
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.platypus import Flowable, Table, TableStyle

from cme_ledger.certificates.document import MAX_TOPIC, CourseCertificate, amount, clean, day
from cme_ledger.certificates.drawing import draw_lines, line_left
from cme_ledger.certificates.styles import (
    AMOUNT_COL,
    CELL_LEADING,
    CELL_PAD_X,
    CELL_PAD_Y,
    DATE_COL,
    PALETTE,
    QR_SIZE,
    TextStyle,
    plain_font,
    styles,
)
from cme_ledger.certificates.typeset import SetText


class TextBlock(Flowable):
    """A text in one style, wrapped to the width it is given; any script, any direction.

    `base` forces the paragraph direction (0 left to right, 1 right to left); by default it is
    the direction of the text's first strong character."""

    def __init__(self, text: str, style: TextStyle, base: int | None = None) -> None:
        super().__init__()
        self.style = style
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after
        self.set_text = SetText(text, style.chain, style.size, base)
        self.lines: tuple[Any, ...] = ()

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.lines = self.set_text.lines(avail_width)
        self.width = avail_width
        self.height = len(self.lines) * self.style.leading
        return self.width, self.height

    def draw(self) -> None:
        style = self.style
        top = self.height - style.size
        rtl = self.set_text.rtl
        placed = [
            (line, line_left(line, 0.0, self.width, style.align, rtl), top - k * style.leading)
            for k, line in enumerate(self.lines)
        ]
        if placed:
            draw_lines(self.canv, placed, style.size, style.color, bold=style.face.endswith("bold"))


class PageState:
    """What the page decorations need to know about the certificate being laid out."""

    def __init__(self) -> None:
        self.footer_left = ""
        self.header_left = ""
        self.header_right = ""
        self.first_page = 0


class StartCertificate(Flowable):
    """Zero-size marker at the top of a certificate's first page: switches the page state."""

    def __init__(self, state: PageState, footer_left: str, header_left: str, header_right: str) -> None:
        super().__init__()
        self.state = state
        self.values = (footer_left, header_left, header_right)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.state.footer_left, self.state.header_left, self.state.header_right = self.values
        self.state.first_page = self.canv.getPageNumber()


class TopicRows:
    """One certificate's topic table, measured once; cut into per-page Tables on demand."""

    def __init__(self, certificate: CourseCertificate, unit: str, tz: Any) -> None:
        self.lines = certificate.topics
        self.tz = tz
        self.unit = clean(unit, 60)
        self.total = amount(certificate.total)
        self.width = -1.0
        self.cells: list[Any] = []
        self.heights: list[float] = []
        self.suffix: list[float] = []
        self.header_height = CELL_LEADING + 2 * CELL_PAD_Y

    def measure(self, width: float) -> None:
        if width == self.width:
            return
        self.width = width
        topic_width = width - DATE_COL - AMOUNT_COL - 2 * CELL_PAD_X
        cell = styles().cell
        cells: list[Any] = []
        heights: list[float] = []
        for line in self.lines:
            text = TextBlock(clean(line.topic, MAX_TOPIC), cell)
            _, h = text.wrap(topic_width, 1e9)
            cells.append((text, day(line.earned_at, self.tz), amount(line.amount)))
            heights.append(max(h, CELL_LEADING) + 2 * CELL_PAD_Y)
        heights.append(CELL_LEADING + 2 * CELL_PAD_Y + 2)  # the total row
        suffix = [0.0] * (len(heights) + 1)
        for i in range(len(heights) - 1, -1, -1):
            suffix[i] = suffix[i + 1] + heights[i]
        self.cells, self.heights, self.suffix = cells, heights, suffix

    def table(self, start: int, stop: int) -> Any:
        """Rows [start, stop) of the body (index len(lines) is the total row) under the header."""
        p = PALETTE
        regular, bold = plain_font("sans"), plain_font("sans-bold")
        n = len(self.lines)
        data: list[Any] = [["Topic", "Date earned", "Amount"]]
        data.extend(self.cells[start : min(stop, n)])
        body_rows = min(stop, n) - start
        commands: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, 0), bold, 9.0, CELL_LEADING),
            ("FONT", (0, 1), (-1, -1), regular, 9.0, CELL_LEADING),
            ("TEXTCOLOR", (0, 0), (-1, 0), p.white),
            ("TEXTCOLOR", (0, 1), (-1, -1), p.ink),
            ("BACKGROUND", (0, 0), (-1, 0), p.navy),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (2, 0), (2, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, p.rule),
            ("BOX", (0, 0), (-1, -1), 0.5, p.rule),
        ]
        if body_rows:
            stripes = [p.white, p.zebra] if start % 2 == 0 else [p.zebra, p.white]
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, body_rows), stripes))
        if stop > n:
            data.append([f"Course total ({self.unit})", "", self.total])
            commands += [
                ("SPAN", (0, -1), (1, -1)),
                ("ALIGN", (0, -1), (1, -1), "RIGHT"),
                ("FONT", (0, -1), (-1, -1), bold, 9.0, CELL_LEADING),
                ("LINEABOVE", (0, -1), (-1, -1), 1, p.navy),
                ("TOPPADDING", (0, -1), (-1, -1), CELL_PAD_Y + 2),
            ]
        widths = [self.width - DATE_COL - AMOUNT_COL, DATE_COL, AMOUNT_COL]
        heights = [self.header_height, *self.heights[start:stop]]
        return Table(
            data,
            colWidths=widths,
            rowHeights=heights,
            repeatRows=1,
            style=TableStyle(commands),
            hAlign="LEFT",
        )


class TopicTable(Flowable):
    """The rows of a TopicRows from `start` on, under an optional heading kept with the first row.

    Splits by handing out one Table per page (cut at a row boundary, header row repeated) and
    the rest of the rows, which are never copied or measured again.
    """

    def __init__(self, rows: TopicRows, start: int = 0, heading: Any = None) -> None:
        super().__init__()
        self.rows = rows
        self.start = start
        self.heading = heading
        self.heading_height = 0.0
        self.heading_room = 0.0

    def _measure(self, avail_width: float) -> None:
        self.rows.measure(avail_width)
        if self.heading is not None:
            _, self.heading_height = self.heading.wrap(avail_width, 1e9)
            self.heading_room = self.heading_height + self.heading.getSpaceAfter()

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._measure(avail_width)
        self.width = avail_width
        self.height = self.heading_room + self.rows.header_height + self.rows.suffix[self.start]
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        rows = self.rows
        self._measure(avail_width)
        room = avail_height - self.heading_room - rows.header_height
        end, used = self.start, 0.0
        while end < len(rows.heights) and used + rows.heights[end] <= room:
            used += rows.heights[end]
            end += 1
        if end == len(rows.lines) and end - 1 > self.start:
            end -= 1  # never carry the total row alone onto a new page
        if end == self.start:
            return []  # not even one row fits: the frame moves everything to the next page
        first = [] if self.heading is None else [self.heading]
        if end == len(rows.heights):
            return [*first, rows.table(self.start, end)]
        return [*first, rows.table(self.start, end), TopicTable(rows, end)]

    def draw(self) -> None:
        if self.heading is not None:
            self.heading.drawOn(self.canv, 0, self.height - self.heading_height)
        table = self.rows.table(self.start, len(self.rows.heights))
        table.wrapOn(self.canv, self.width, self.height - self.heading_room)
        table.drawOn(self.canv, 0, 0)


class QrCode(Flowable):
    """The verify URL as a QR code (level M), its dark modules painted as one PDF path: one
    rectangle per run of dark modules in a row, in a single fill.

    segno encodes (and picks the mask) in about half the time of reportlab's qrencoder, and one
    path replaces reportlab's QrCode flowable calling canvas.rect once per run: together they
    were half of a one-page certificate's render time.
    """

    def __init__(self, url: str, size: float = QR_SIZE, border: int = 2) -> None:
        super().__init__()
        self.url = url
        self.width = self.height = size
        self.border = border

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        matrix = segno.make_qr(self.url, error="m", boost_error=False).matrix
        module = self.width / (len(matrix) + 2 * self.border)
        path: list[str] = []
        for r, row in enumerate(matrix):
            y = self.height - (r + self.border + 1) * module
            c = 0
            for dark, run in itertools.groupby(row):
                n = len(list(run))
                if dark:
                    x = (c + self.border) * module
                    path.append(f"{x:.3f} {y:.3f} {n * module:.3f} {module * 1.05:.3f} re")
                c += n
        self.canv.saveState()
        self.canv.setFillColor(PALETTE.black)
        self.canv.addLiteral("\n".join(path) + "\nf")
        self.canv.restoreState()


def qr_code(url: str) -> Any:
    return QrCode(url)


def qr_placeholder() -> Any:
    p = PALETTE
    font = plain_font("sans")
    drawing = Drawing(QR_SIZE, QR_SIZE)
    inset = 8.0
    side = QR_SIZE - 2 * inset
    drawing.add(
        Rect(
            inset,
            inset,
            side,
            side,
            fillColor=None,
            strokeColor=p.rule,
            strokeWidth=1,
            strokeDashArray=[3, 3],
        )
    )
    for dy, text, size in ((2, "QR code", 8), (-9, "on the certificate", 6.5)):
        drawing.add(
            String(
                QR_SIZE / 2,
                QR_SIZE / 2 + dy,
                text,
                textAnchor="middle",
                fontName=font,
                fontSize=size,
                fillColor=p.muted,
            )
        )
    return drawing
