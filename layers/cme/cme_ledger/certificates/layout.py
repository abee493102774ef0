"""The certificate's layout: the story of each certificate and the page decorations, built into
one PDF (imports reportlab; `render.render_pdf` imports this module on the first render only).

US Letter portrait, one certificate per course starting on a new page: provider, title, the
learner, the course, the award and statement, the details (dates in the learner's zone, code,
verify URL, QR code) and the topic table, which flows over as many pages as it needs under a
running header.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from reportlab import rl_config
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    HRFlowable,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cme_ledger.certificates.document import (
    MAX_LINE,
    MAX_STATEMENT,
    MAX_URL,
    CertificateDocument,
    CourseCertificate,
    activity_dates,
    amount,
    clean,
    day,
    learner_line,
    zone,
    zone_note,
)
from cme_ledger.certificates.drawing import draw_line, fitted
from cme_ledger.certificates.flowables import (
    PageState,
    StartCertificate,
    TextBlock,
    TopicRows,
    TopicTable,
    qr_code,
    qr_placeholder,
)
from cme_ledger.certificates.styles import (
    BODY_W,
    BORDER_INNER,
    BORDER_OUTER,
    FOOTER_Y,
    FRAME_BOTTOM,
    FRAME_TOP,
    HEADER_Y,
    LABEL_COL,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    PALETTE,
    QR_SIZE,
    TextStyle,
    plain_font,
    styles,
)


def build_pdf(document: CertificateDocument) -> bytes:
    """The PDF of a checked document (see `render.render_pdf`)."""
    state = PageState()
    tz = zone(document.time_zone)
    learner = learner_line(document)

    def decorate(canvas: Any, _doc: Any) -> None:
        draw_page(canvas, state, preview=document.preview)

    story: list[Any] = []
    for index, certificate in enumerate(document.certificates):
        story.extend(certificate_story(document, certificate, state, learner, tz, first=index == 0))

    frame = Frame(
        MARGIN_X,
        FRAME_BOTTOM,
        PAGE_W - 2 * MARGIN_X,
        FRAME_TOP - FRAME_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_W, PAGE_H),
        pageTemplates=[PageTemplate(id="certificate", frames=[frame], onPageEnd=decorate)],
        title=("CME certificate preview" if document.preview else "CME certificate") + f" \u2014 {learner}",
        author="CME Ledger",
        subject=clean(document.credit_type_label, MAX_LINE),
        creator="CME Ledger",
        pageCompression=1,
        # Every font in the file is an embedded one: not even the canvas's preamble names Helvetica.
        initialFontName=plain_font("sans"),
    )
    # Streams Flate-compressed only: ASCII85 on top makes them a quarter bigger and costs a
    # pure-Python pass over every page (reportlab reads the setting when it writes a page).
    a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        doc.build(story)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()


def certificate_story(
    document: CertificateDocument,
    certificate: CourseCertificate,
    state: PageState,
    learner: str,
    tz: ZoneInfo,
    *,
    first: bool,
) -> list[Any]:
    s = styles()
    p = PALETTE
    preview = document.preview
    code = clean(certificate.certificate_code or "", MAX_LINE)
    url = clean(certificate.verify_url or "", MAX_URL)
    title = clean(certificate.course_title, MAX_LINE)
    footer_left = "PREVIEW \u2014 not a certificate" if preview else f"Certificate code {code}"

    story: list[Any] = [] if first else [PageBreak()]
    story.append(StartCertificate(state, footer_left, learner, title))
    story.append(TextBlock(clean(certificate.provider, MAX_LINE), s.provider))
    story.append(Spacer(0, 10))
    story.append(TextBlock("Certificate of Credit", s.title))
    story.append(
        HRFlowable(width="28%", thickness=1.2, color=p.gold, spaceBefore=6, spaceAfter=12, hAlign="CENTER")
    )
    if preview:
        notice = "PREVIEW \u2014 this is a preview, not a certificate. Nothing has been claimed yet."
        story.append(TextBlock(notice, s.preview))
    story.append(TextBlock("This is to certify that", s.intro))
    # "name, degree" is an English phrase around the name: left to right, the name keeping its own
    # direction inside it. A name alone takes its own direction.
    story.append(TextBlock(learner, s.name, base=0 if document.degree.strip() else None))
    story.append(TextBlock("has completed the educational activity", s.intro))
    story.append(TextBlock(title, s.course))
    story.append(TextBlock("and is awarded", s.intro))
    label = clean(document.credit_type_label, MAX_LINE)
    story.append(TextBlock(f"{amount(certificate.total)} {label}", s.award))
    story.append(Spacer(0, 12))
    story.append(_statement(clean(document.credit_statement, MAX_STATEMENT), s.statement))
    story.append(Spacer(0, 12))
    story.append(_details(document, certificate, code, url, tz))
    story.append(Spacer(0, 14))
    heading = TextBlock("Activity record", s.section)
    story.append(TopicTable(TopicRows(certificate, document.unit, tz), heading=heading))
    return story


def _statement(text: str, style: TextStyle) -> Any:
    panel = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), plain_font("sans"), 7),
            ("BACKGROUND", (0, 0), (-1, -1), PALETTE.panel),
            ("LINEABOVE", (0, 0), (-1, 0), 0.75, PALETTE.gold),
            ("LINEBELOW", (0, -1), (-1, -1), 0.75, PALETTE.gold),
            ("LEFTPADDING", (0, 0), (-1, -1), 18),
            ("RIGHTPADDING", (0, 0), (-1, -1), 18),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]
    )
    return Table([[TextBlock(text, style)]], colWidths=["100%"], style=panel)


def _details(
    document: CertificateDocument, certificate: CourseCertificate, code: str, url: str, tz: ZoneInfo
) -> Any:
    """Dates, code and verify URL beside the QR code, with the zone of the dates in small print."""
    s = styles()

    def field(name: str, value: Any) -> list[Any]:
        return [TextBlock(name.upper(), s.label), value]

    if document.preview:
        code_value = TextBlock("Assigned when the credit is claimed", s.value)
        verify_value = TextBlock("Available on the certificate", s.url)
        qr = qr_placeholder()
    else:
        code_value = TextBlock(code, s.value)
        verify_value = TextBlock(url, s.url)
        qr = qr_code(url)
    fields_width = BODY_W - QR_SIZE - 16
    fields = Table(
        [
            field("Activity dates", TextBlock(activity_dates(certificate, tz), s.value)),
            field("Date claimed", TextBlock(day(document.claimed_at, tz), s.value)),
            field("Certificate code", code_value),
            field("Verify online", verify_value),
            ["", TextBlock(zone_note(document.time_zone), s.small_print)],
        ],
        colWidths=[LABEL_COL, fields_width - LABEL_COL],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), plain_font("sans"), 7),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        ),
    )
    return Table(
        [[fields, qr]],
        colWidths=[fields_width, QR_SIZE + 16],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), plain_font("sans"), 7),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def draw_page(canvas: Any, state: PageState, *, preview: bool) -> None:
    """Border, running header (continuation pages), footer and, in a preview, the watermark."""
    p = PALETTE
    s = styles()
    page = canvas.getPageNumber()
    canvas.saveState()

    canvas.setStrokeColor(p.navy)
    canvas.setLineWidth(2)
    canvas.rect(BORDER_OUTER, BORDER_OUTER, PAGE_W - 2 * BORDER_OUTER, PAGE_H - 2 * BORDER_OUTER)
    canvas.setStrokeColor(p.gold)
    canvas.setLineWidth(0.6)
    canvas.rect(BORDER_INNER, BORDER_INNER, PAGE_W - 2 * BORDER_INNER, PAGE_H - 2 * BORDER_INNER)

    left, right = MARGIN_X, PAGE_W - MARGIN_X
    width = right - left
    canvas.setStrokeColor(p.rule)
    canvas.setLineWidth(0.5)
    running = s.running
    if page > state.first_page:
        head_left, _ = fitted(state.header_left, running.chain, running.size, width * 0.4)
        draw_line(canvas, head_left, left, HEADER_Y, running.size, p.muted)
        head_right, _ = fitted(f"{state.header_right} (continued)", running.chain, running.size, width * 0.56)
        draw_line(canvas, head_right, right - head_right.width, HEADER_Y, running.size, p.muted)
        canvas.line(left, HEADER_Y - 6, right, HEADER_Y - 6)

    canvas.line(left, FOOTER_Y + 11, right, FOOTER_Y + 11)
    footer, _ = fitted(state.footer_left, running.chain, running.size, width * 0.8)
    draw_line(canvas, footer, left, FOOTER_Y, running.size, p.alert if preview else p.muted)
    page_label, _ = fitted(f"Page {page}", running.chain, running.size, width)
    draw_line(canvas, page_label, right - page_label.width, FOOTER_Y, running.size, p.muted)

    if preview:
        mark = s.watermark
        canvas.setFillColor(mark.color)
        canvas.setFont(mark.chain.main.fontName, mark.size)
        canvas.translate(PAGE_W / 2, PAGE_H / 2)
        canvas.rotate(52)
        canvas.drawCentredString(0, -50, "PREVIEW")
    canvas.restoreState()
