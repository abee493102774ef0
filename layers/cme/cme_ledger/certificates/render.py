"""Render one claim's certificates as a single PDF.

Pure: no AWS, no files, no clock. reportlab is imported on the first render, never when this
module is imported, so only the certificate function pays for it. Standard PDF fonts only
(Helvetica, Times), so nothing is embedded and files stay small.

Layout: US Letter portrait, one certificate per course starting on a new page. The topic table
is measured once and cut into one platypus Table per page (header row on every page), so a long
claim renders in time linear in the number of topics; a single platypus Table split page by page
copies the remaining rows at every page break, which is quadratic.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace
from typing import Any

__all__ = [
    "CertificateDocument",
    "CourseCertificate",
    "TopicLine",
    "format_certificate_code",
    "render_pdf",
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
    learner_name: str
    degree: str  # may be ""
    credit_type_label: str  # e.g. "AMA PRA Category 1 Credit(TM)"
    credit_statement: str  # accreditation statement printed on the certificate
    unit: str  # e.g. "credits", "contact hours", "points"
    claimed_at: datetime
    certificates: tuple[CourseCertificate, ...]  # caller passes them in title order
    preview: bool = False


# --------------------------------------------------------------------------------------------
# Text helpers (no reportlab)

# Longest texts printed; longer ones end with an ellipsis so that one table row or the heading
# block always fits on a page.
_MAX_TOPIC = 1000
_MAX_LINE = 400
_MAX_STATEMENT = 3000
_MAX_URL = 1000  # a QR code at level M holds about 2,300 bytes; verify URLs are far shorter

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
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


def _clean(text: str, limit: int) -> str:
    """One printable line: control characters become spaces, overlong text is cut with an ellipsis."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def _xml(text: str) -> str:
    """Escape text for a reportlab Paragraph (its mini-markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _para_text(text: str, limit: int) -> str:
    return _xml(_clean(text, limit))


def _amount(value: Decimal) -> str:
    """Exactly two decimals, computed on the Decimal (never through float)."""
    if not value.is_finite():
        return str(value)
    return f"{value.quantize(_CENT):f}"


def _day(moment: datetime) -> str:
    """YYYY-MM-DD of the UTC day (a naive datetime is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def _learner_line(document: CertificateDocument) -> str:
    name = _clean(document.learner_name, _MAX_LINE)
    degree = _clean(document.degree, _MAX_LINE)
    return f"{name}, {degree}" if name and degree else name or degree


def _activity_dates(certificate: CourseCertificate) -> str:
    if not certificate.topics:
        return "\u2014"
    days = [_day(line.earned_at) for line in certificate.topics]
    first, last = min(days), max(days)
    return first if first == last else f"{first} to {last}"


# --------------------------------------------------------------------------------------------
# Page geometry (points) and colours

_PAGE_W, _PAGE_H = 612.0, 792.0  # US Letter portrait
_MARGIN_X = 54.0
_BODY_W = _PAGE_W - 2 * _MARGIN_X
_FRAME_BOTTOM = 66.0
_FRAME_TOP = _PAGE_H - 60.0
_BORDER_OUTER = 20.0
_BORDER_INNER = 25.0
_FOOTER_Y = 42.0
_HEADER_Y = _PAGE_H - 46.0

_DATE_COL = 78.0
_AMOUNT_COL = 70.0
_CELL_PAD_X = 6.0
_CELL_PAD_Y = 4.0
_CELL_FONT = 9.0
_CELL_LEADING = 11.0
_QR_SIZE = 92.0


@functools.cache
def _kit() -> SimpleNamespace:
    """reportlab objects built once per process: colours, styles and the custom flowables."""
    from reportlab.graphics.barcode.qr import QrCode
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib.colors import Color, HexColor, white
    from reportlab.lib.enums import TA_CENTER, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

    navy = HexColor("#1B365D")
    gold = HexColor("#A8894F")
    ink = HexColor("#1E1E1E")
    muted = HexColor("#5A5F66")
    rule = HexColor("#C5CBD3")
    zebra = HexColor("#F1F3F6")
    panel = HexColor("#F7F5F0")
    alert = HexColor("#B3261E")

    def style(name: str, **kw: Any) -> Any:
        base: dict[str, Any] = {"fontName": "Helvetica", "fontSize": 10, "leading": 12, "textColor": ink}
        base.update(kw)
        return ParagraphStyle(name, **base)

    styles = SimpleNamespace(
        provider=style(
            "provider",
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            textColor=navy,
            alignment=TA_CENTER,
        ),
        title=style(
            "title", fontName="Times-Bold", fontSize=30, leading=34, textColor=navy, alignment=TA_CENTER
        ),
        preview=style(
            "preview",
            fontName="Helvetica-Bold",
            fontSize=10,
            leading=13,
            textColor=alert,
            alignment=TA_CENTER,
            spaceAfter=4,
        ),
        intro=style(
            "intro",
            fontName="Times-Italic",
            fontSize=12.5,
            leading=16,
            textColor=muted,
            alignment=TA_CENTER,
            spaceBefore=4,
            spaceAfter=4,
        ),
        name=style("name", fontName="Times-Bold", fontSize=26, leading=31, alignment=TA_CENTER),
        course=style(
            "course", fontName="Helvetica-Bold", fontSize=15, leading=19, textColor=navy, alignment=TA_CENTER
        ),
        award=style("award", fontName="Helvetica-Bold", fontSize=16, leading=20, alignment=TA_CENTER),
        statement=style(
            "statement",
            fontName="Times-Roman",
            fontSize=9.5,
            leading=12.5,
            textColor=muted,
            alignment=TA_CENTER,
        ),
        label=style("label", fontName="Helvetica", fontSize=7.5, leading=9, textColor=muted),
        value=style("value", fontName="Helvetica-Bold", fontSize=9.5, leading=12),
        url=style("url", fontName="Helvetica", fontSize=7, leading=8.5, textColor=navy),
        section=style(
            "section", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=navy, spaceAfter=6
        ),
        cell=style("cell", fontSize=_CELL_FONT, leading=_CELL_LEADING, alignment=TA_LEFT),
        head=style(
            "head", fontName="Helvetica-Bold", fontSize=_CELL_FONT, leading=_CELL_LEADING, textColor=white
        ),
    )

    class PageState:
        """What the page decorations need to know about the certificate being laid out."""

        def __init__(self) -> None:
            self.footer_left = ""
            self.header_left = ""
            self.header_right = ""
            self.first_page = 0

    class StartCertificate(Flowable):
        """Zero-size marker at the top of a certificate's first page: switches the page state."""

        def __init__(self, state: PageState, footer_left: str, header_left: str, header_right: str):
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

        def __init__(self, certificate: CourseCertificate, unit: str):
            self.lines = certificate.topics
            self.unit = _clean(unit, 60)
            self.total = _amount(certificate.total)
            self.width = -1.0
            self.cells: list[Any] = []
            self.heights: list[float] = []
            self.suffix: list[float] = []
            head = _CELL_LEADING + 2 * _CELL_PAD_Y
            self.header_height = head

        def measure(self, width: float) -> None:
            if width == self.width:
                return
            self.width = width
            topic_width = width - _DATE_COL - _AMOUNT_COL - 2 * _CELL_PAD_X
            cells: list[Any] = []
            heights: list[float] = []
            for line in self.lines:
                para = Paragraph(_para_text(line.topic, _MAX_TOPIC), styles.cell)
                _, h = para.wrap(topic_width, 1e9)
                cells.append((para, _day(line.earned_at), _amount(line.amount)))
                heights.append(max(h, _CELL_LEADING) + 2 * _CELL_PAD_Y)
            heights.append(_CELL_LEADING + 2 * _CELL_PAD_Y + 2)  # the total row
            suffix = [0.0] * (len(heights) + 1)
            for i in range(len(heights) - 1, -1, -1):
                suffix[i] = suffix[i + 1] + heights[i]
            self.cells, self.heights, self.suffix = cells, heights, suffix

        def table(self, start: int, stop: int) -> Any:
            """Rows [start, stop) of the body (index len(lines) is the total row) under the header."""
            n = len(self.lines)
            data: list[Any] = [["Topic", "Date earned", "Amount"]]
            data.extend(self.cells[start : min(stop, n)])
            body_rows = min(stop, n) - start
            commands: list[tuple[Any, ...]] = [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", _CELL_FONT, _CELL_LEADING),
                ("FONT", (0, 1), (-1, -1), "Helvetica", _CELL_FONT, _CELL_LEADING),
                ("TEXTCOLOR", (0, 0), (-1, 0), white),
                ("TEXTCOLOR", (0, 1), (-1, -1), ink),
                ("BACKGROUND", (0, 0), (-1, 0), navy),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD_X),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD_X),
                ("TOPPADDING", (0, 0), (-1, -1), _CELL_PAD_Y),
                ("BOTTOMPADDING", (0, 0), (-1, -1), _CELL_PAD_Y),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, rule),
                ("BOX", (0, 0), (-1, -1), 0.5, rule),
            ]
            if body_rows:
                stripes = [white, zebra] if start % 2 == 0 else [zebra, white]
                commands.append(("ROWBACKGROUNDS", (0, 1), (-1, body_rows), stripes))
            if stop > n:
                data.append([f"Course total ({self.unit})", "", self.total])
                commands += [
                    ("SPAN", (0, -1), (1, -1)),
                    ("ALIGN", (0, -1), (1, -1), "RIGHT"),
                    ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", _CELL_FONT, _CELL_LEADING),
                    ("LINEABOVE", (0, -1), (-1, -1), 1, navy),
                    ("TOPPADDING", (0, -1), (-1, -1), _CELL_PAD_Y + 2),
                ]
            widths = [self.width - _DATE_COL - _AMOUNT_COL, _DATE_COL, _AMOUNT_COL]
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

        def __init__(self, rows: TopicRows, start: int = 0, heading: Any = None):
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

    def qr_drawing(url: str) -> Any:
        # The platypus QrCode flowable (same encoder as QrCodeWidget) paints the modules straight
        # onto the canvas: about half the time of a QrCodeWidget in a Drawing, which builds and
        # validates one shape object per run of dark modules.
        return QrCode(url, qrLevel="M", width=_QR_SIZE, height=_QR_SIZE, qrBorder=2)

    def qr_placeholder() -> Any:
        drawing = Drawing(_QR_SIZE, _QR_SIZE)
        inset = 8.0
        drawing.add(
            Rect(
                inset,
                inset,
                _QR_SIZE - 2 * inset,
                _QR_SIZE - 2 * inset,
                fillColor=None,
                strokeColor=rule,
                strokeWidth=1,
                strokeDashArray=[3, 3],
            )
        )
        drawing.add(
            String(
                _QR_SIZE / 2,
                _QR_SIZE / 2 + 2,
                "QR code",
                textAnchor="middle",
                fontName="Helvetica",
                fontSize=8,
                fillColor=muted,
            )
        )
        drawing.add(
            String(
                _QR_SIZE / 2,
                _QR_SIZE / 2 - 9,
                "on the certificate",
                textAnchor="middle",
                fontName="Helvetica",
                fontSize=6.5,
                fillColor=muted,
            )
        )
        return drawing

    return SimpleNamespace(
        colors=SimpleNamespace(
            navy=navy,
            gold=gold,
            ink=ink,
            muted=muted,
            rule=rule,
            zebra=zebra,
            panel=panel,
            alert=alert,
            watermark=Color(0.70, 0.12, 0.10, alpha=0.13),
        ),
        styles=styles,
        PageState=PageState,
        StartCertificate=StartCertificate,
        TopicRows=TopicRows,
        TopicTable=TopicTable,
        qr_drawing=qr_drawing,
        qr_placeholder=qr_placeholder,
    )


# --------------------------------------------------------------------------------------------
# Rendering


def render_pdf(document: CertificateDocument) -> bytes:
    """The claim's PDF: one certificate per course, each starting on a new page, in the given order.

    Raises ValueError for a document that cannot make a valid PDF: no certificates, or (outside a
    preview) a certificate without a code or verify URL, or with a verify URL longer than 1,000
    characters. User text is printed as given apart from control characters (printed as spaces)
    and very long texts (cut with an ellipsis); characters outside the standard PDF fonts' Latin
    set print as a placeholder glyph.
    """
    _check(document)

    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    kit = _kit()
    state = kit.PageState()
    learner = _learner_line(document)

    def decorate(canvas: Any, _doc: Any) -> None:
        _draw_page(canvas, kit, state, preview=document.preview)

    story: list[Any] = []
    for index, certificate in enumerate(document.certificates):
        story.extend(_certificate_story(document, certificate, kit, state, learner, first=index == 0))

    frame = Frame(
        _MARGIN_X,
        _FRAME_BOTTOM,
        _PAGE_W - 2 * _MARGIN_X,
        _FRAME_TOP - _FRAME_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(_PAGE_W, _PAGE_H),
        pageTemplates=[PageTemplate(id="certificate", frames=[frame], onPageEnd=decorate)],
        title=("CME certificate preview" if document.preview else "CME certificate") + f" \u2014 {learner}",
        author="CME Ledger",
        subject=_clean(document.credit_type_label, _MAX_LINE),
        creator="CME Ledger",
        pageCompression=1,
    )
    doc.build(story)
    return buffer.getvalue()


def _check(document: CertificateDocument) -> None:
    if not document.certificates:
        raise ValueError("a certificate document needs at least one certificate")
    if document.preview:
        return
    for certificate in document.certificates:
        if not certificate.certificate_code or not certificate.verify_url:
            raise ValueError("a certificate needs a certificate_code and a verify_url (unless in a preview)")
        if len(certificate.verify_url) > _MAX_URL or _CONTROL.search(certificate.verify_url):
            raise ValueError(f"verify_url must be at most {_MAX_URL} printable characters")


def _certificate_story(
    document: CertificateDocument,
    certificate: CourseCertificate,
    kit: SimpleNamespace,
    state: Any,
    learner: str,
    *,
    first: bool,
) -> list[Any]:
    from reportlab.platypus import HRFlowable, PageBreak, Paragraph, Spacer, Table, TableStyle

    s = kit.styles
    c = kit.colors
    preview = document.preview
    code = _clean(certificate.certificate_code or "", _MAX_LINE)
    url = _clean(certificate.verify_url or "", _MAX_URL)
    title = _clean(certificate.course_title, _MAX_LINE)
    footer_left = "PREVIEW \u2014 not a certificate" if preview else f"Certificate code {code}"

    story: list[Any] = [] if first else [PageBreak()]
    story.append(kit.StartCertificate(state, footer_left, learner, title))
    story.append(Paragraph(_xml(_clean(certificate.provider, _MAX_LINE)), s.provider))
    story.append(Spacer(0, 10))
    story.append(Paragraph("Certificate of Credit", s.title))
    story.append(
        HRFlowable(width="28%", thickness=1.2, color=c.gold, spaceBefore=6, spaceAfter=12, hAlign="CENTER")
    )
    if preview:
        story.append(
            Paragraph(
                "PREVIEW \u2014 this is a preview, not a certificate. Nothing has been claimed yet.",
                s.preview,
            )
        )
    story.append(Paragraph("This is to certify that", s.intro))
    story.append(Paragraph(_xml(learner), s.name))
    story.append(Paragraph("has completed the educational activity", s.intro))
    story.append(Paragraph(_xml(title), s.course))
    story.append(Paragraph("and is awarded", s.intro))
    label = _clean(document.credit_type_label, _MAX_LINE)
    story.append(Paragraph(_xml(f"{_amount(certificate.total)} {label}"), s.award))
    story.append(Spacer(0, 12))

    statement = Table(
        [[Paragraph(_para_text(document.credit_statement, _MAX_STATEMENT), s.statement)]],
        colWidths=["100%"],
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), c.panel),
                ("LINEABOVE", (0, 0), (-1, 0), 0.75, c.gold),
                ("LINEBELOW", (0, -1), (-1, -1), 0.75, c.gold),
                ("LEFTPADDING", (0, 0), (-1, -1), 18),
                ("RIGHTPADDING", (0, 0), (-1, -1), 18),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    story.append(statement)
    story.append(Spacer(0, 12))

    def field(name: str, value: Any) -> list[Any]:
        return [Paragraph(name.upper(), s.label), value]

    if preview:
        code_value = Paragraph("Assigned when the credit is claimed", s.value)
        verify_value = Paragraph("Available on the certificate", s.url)
        qr = kit.qr_placeholder()
    else:
        code_value = Paragraph(_xml(code), s.value)
        verify_value = Paragraph(_xml(url), s.url)
        qr = kit.qr_drawing(url)
    fields = Table(
        [
            field("Activity dates", Paragraph(_activity_dates(certificate), s.value)),
            field("Date claimed", Paragraph(_day(document.claimed_at), s.value)),
            field("Certificate code", code_value),
            field("Verify online", verify_value),
        ],
        colWidths=[92, _BODY_W - _QR_SIZE - 16 - 92],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        ),
    )
    details = Table(
        [[fields, qr]],
        colWidths=[_BODY_W - _QR_SIZE - 16, _QR_SIZE + 16],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    story.append(details)
    story.append(Spacer(0, 14))
    heading = Paragraph("Activity record", s.section)
    story.append(kit.TopicTable(kit.TopicRows(certificate, document.unit), heading=heading))
    return story


def _fit(canvas: Any, text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with an ellipsis) to at most `width` points."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if canvas.stringWidth(text[:mid] + "\u2026", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "\u2026"


def _draw_page(canvas: Any, kit: SimpleNamespace, state: Any, *, preview: bool) -> None:
    """Border, running header (continuation pages), footer and, in a preview, the watermark."""
    c = kit.colors
    page = canvas.getPageNumber()
    canvas.saveState()

    canvas.setStrokeColor(c.navy)
    canvas.setLineWidth(2)
    canvas.rect(_BORDER_OUTER, _BORDER_OUTER, _PAGE_W - 2 * _BORDER_OUTER, _PAGE_H - 2 * _BORDER_OUTER)
    canvas.setStrokeColor(c.gold)
    canvas.setLineWidth(0.6)
    canvas.rect(_BORDER_INNER, _BORDER_INNER, _PAGE_W - 2 * _BORDER_INNER, _PAGE_H - 2 * _BORDER_INNER)

    left, right = _MARGIN_X, _PAGE_W - _MARGIN_X
    width = right - left
    canvas.setStrokeColor(c.rule)
    canvas.setLineWidth(0.5)
    if page > state.first_page:
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(c.muted)
        head_left = _fit(canvas, state.header_left, "Helvetica", 8, width * 0.4)
        canvas.drawString(left, _HEADER_Y, head_left)
        head_right = _fit(canvas, f"{state.header_right} (continued)", "Helvetica", 8, width * 0.56)
        canvas.drawRightString(right, _HEADER_Y, head_right)
        canvas.line(left, _HEADER_Y - 6, right, _HEADER_Y - 6)

    canvas.line(left, _FOOTER_Y + 11, right, _FOOTER_Y + 11)
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(c.alert if preview else c.muted)
    canvas.drawString(left, _FOOTER_Y, _fit(canvas, state.footer_left, "Helvetica", 8, width * 0.8))
    canvas.setFillColor(c.muted)
    canvas.drawRightString(right, _FOOTER_Y, f"Page {page}")

    if preview:
        canvas.setFillColor(c.watermark)
        canvas.setFont("Helvetica-Bold", 140)
        canvas.translate(_PAGE_W / 2, _PAGE_H / 2)
        canvas.rotate(52)
        canvas.drawCentredString(0, -50, "PREVIEW")
    canvas.restoreState()
