"""Page geometry, colours and text styles of the certificate, each a typed name (imports reportlab)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib.colors import Color, HexColor, black, white

from cme_ledger.certificates.fonts import FaceChain, FaceName, chain, font_name
from cme_ledger.certificates.typeset import Align

# Page geometry (points): US Letter portrait.
PAGE_W, PAGE_H = 612.0, 792.0
MARGIN_X = 54.0
BODY_W = PAGE_W - 2 * MARGIN_X
FRAME_BOTTOM = 66.0
FRAME_TOP = PAGE_H - 60.0
BORDER_OUTER = 20.0
BORDER_INNER = 25.0
FOOTER_Y = 42.0
HEADER_Y = PAGE_H - 46.0

# The topic table and the details block.
DATE_COL = 78.0
AMOUNT_COL = 70.0
CELL_PAD_X = 6.0
CELL_PAD_Y = 4.0
CELL_FONT = 9.0
CELL_LEADING = 11.0
QR_SIZE = 92.0
LABEL_COL = 92.0
RUNNING_SIZE = 8.0  # running header and footer


@dataclass(frozen=True)
class Palette:
    navy: Color
    gold: Color
    ink: Color
    muted: Color
    rule: Color
    zebra: Color
    panel: Color
    alert: Color
    white: Color
    black: Color
    watermark: Color


PALETTE = Palette(
    navy=HexColor("#1B365D"),
    gold=HexColor("#A8894F"),
    ink=HexColor("#1E1E1E"),
    muted=HexColor("#5A5F66"),
    rule=HexColor("#C5CBD3"),
    zebra=HexColor("#F1F3F6"),
    panel=HexColor("#F7F5F0"),
    alert=HexColor("#B3261E"),
    white=white,
    black=black,
    watermark=Color(0.70, 0.12, 0.10, alpha=0.13),
)


@dataclass(frozen=True)
class TextStyle:
    face: FaceName
    size: float
    leading: float
    color: Color
    align: Align = "start"
    space_before: float = 0.0
    space_after: float = 0.0

    @property
    def chain(self) -> FaceChain:
        return chain(self.face)


@dataclass(frozen=True)
class Styles:
    provider: TextStyle
    title: TextStyle
    preview: TextStyle
    intro: TextStyle
    name: TextStyle
    course: TextStyle
    award: TextStyle
    statement: TextStyle
    label: TextStyle
    value: TextStyle
    url: TextStyle
    small_print: TextStyle
    section: TextStyle
    cell: TextStyle
    running: TextStyle
    watermark: TextStyle


@cache
def styles() -> Styles:
    p = PALETTE
    return Styles(
        provider=TextStyle("sans-bold", 11, 14, p.navy, "center"),
        title=TextStyle("serif-bold", 30, 34, p.navy, "center"),
        preview=TextStyle("sans-bold", 10, 13, p.alert, "center", space_after=4),
        intro=TextStyle("serif-italic", 12.5, 16, p.muted, "center", space_before=4, space_after=4),
        name=TextStyle("serif-bold", 26, 31, p.ink, "center"),
        course=TextStyle("sans-bold", 15, 19, p.navy, "center"),
        award=TextStyle("sans-bold", 16, 20, p.ink, "center"),
        statement=TextStyle("serif", 9.5, 12.5, p.muted, "center"),
        label=TextStyle("sans", 7.5, 9, p.muted, "left"),
        value=TextStyle("sans-bold", 9.5, 12, p.ink, "left"),
        url=TextStyle("sans", 7, 8.5, p.navy, "left"),
        small_print=TextStyle("sans", 7, 8.5, p.muted, "left"),
        section=TextStyle("sans-bold", 11, 14, p.navy, "left", space_after=6),
        cell=TextStyle("sans", CELL_FONT, CELL_LEADING, p.ink, "start"),
        running=TextStyle("sans", RUNNING_SIZE, RUNNING_SIZE + 2, p.muted, "left"),
        watermark=TextStyle("sans-bold", 140, 140, p.watermark, "center"),
    )


def plain_font(face: FaceName) -> str:
    """The reportlab font name for fixed ASCII text drawn by reportlab itself (table cells)."""
    return font_name(face)
