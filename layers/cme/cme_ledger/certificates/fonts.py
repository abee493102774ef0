"""The embedded TrueType faces and the per-character fallback between them (imports reportlab).

Each style of the certificate has a chain of faces: its main face (Noto Sans or Noto Serif:
Latin with all of Latin Extended, Greek, Cyrillic, the typographic marks), then Noto Sans
Arabic, Hebrew, Devanagari and Thai, then Droid Sans Fallback (Chinese, Japanese, Korean). A
character is set in the first face of the chain that has a glyph for it; fallback faces are
loaded on first use, so a Latin-only certificate never reads them. reportlab subsets every face
it embeds down to the glyphs the document uses.

Shaped glyphs (Arabic joining forms, Devanagari conjuncts, reordered marks) have no character
of their own, so each gets a private key in plane 15 that maps to its glyph, and the font's
ToUnicode map sends the key back to the characters the glyph stands for: the PDF's text layer
then reads as the text was given, not as presentation forms or private-use codes.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Literal

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

if TYPE_CHECKING:
    import uharfbuzz

from cme_fonts import font_path

FaceName = Literal["sans", "sans-bold", "serif", "serif-bold", "serif-italic"]

_MAIN_FILES: dict[FaceName, str] = {
    "sans": "NotoSans-Regular.ttf",
    "sans-bold": "NotoSans-Bold.ttf",
    "serif": "NotoSerif-Regular.ttf",
    "serif-bold": "NotoSerif-Bold.ttf",
    "serif-italic": "NotoSerif-Italic.ttf",
}
_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Thai")
_CJK_FILE = "DroidSansFallback.ttf"  # no bold cut: CJK prints in its one weight
_FIRST_KEY = 0xF0000  # supplementary private use area A: never in these fonts' cmaps
# Fonts are process-wide and a local stack renders on threads: loading a face and allocating a
# glyph key happen under this lock, so no two threads register one face or give out one key twice.
_LOCK = threading.RLock()


class EmbeddedFont(TTFont):
    """A TrueType face with a harfbuzz twin for shaping and private keys for shaped glyphs."""

    def __init__(self, name: str, file_name: str) -> None:
        super().__init__(name, font_path(file_name), asciiReadable=False)
        self.bold = "Bold" in file_name
        self._key_text: dict[int, str] = {}
        self._keys: dict[tuple[int, str], str] = {}
        self._next_key = _FIRST_KEY
        self._hb_font: uharfbuzz.Font | None = None

    def covers(self, char: str) -> bool:
        code = ord(char)
        return code < _FIRST_KEY and code in self.face.charToGlyph

    def scale(self, units: float) -> float:
        """Font units to thousandths of an em (PDF glyph space)."""
        return float(self.face._pdfScale(units))

    @property
    def hb_font(self) -> uharfbuzz.Font:
        """harfbuzz's view of the face, made when a text in it is first shaped (Latin never is)."""
        if self._hb_font is None:
            import uharfbuzz

            self._hb_font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(self.face._ttf_data)))
        return self._hb_font

    def glyph_advance(self, gid: int) -> float:
        metrics = self.face.hmetrics
        return self.scale(metrics[min(gid, len(metrics) - 1)][0])

    def glyph_key(self, gid: int, text: str) -> str:
        """A character that draws glyph `gid` and reads back as `text` (which may be "")."""
        if len(text) == 1 and self.face.charToGlyph.get(ord(text)) == gid:
            return text  # the glyph is the character's own: no key needed
        key = self._keys.get((gid, text))
        if key is None:
            with _LOCK:
                key = self._keys.get((gid, text))
                if key is None:
                    code = self._next_key
                    self._next_key += 1
                    self._key_text[code] = text
                    self.face.charToGlyph[code] = gid
                    self.face.charWidths[code] = self.glyph_advance(gid)
                    key = self._keys[(gid, text)] = chr(code)
        return key

    def addObjects(self, doc: object) -> None:
        """reportlab's TTFont.addObjects (5.1.0) with our ToUnicode map (keys read as their text)."""
        try:
            state = self.state[doc]
        except KeyError:
            state = self.state[doc] = TTFont.State(self._asciiReadable)
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = pdfdoc.PDFArray([self.face.getCharWidth(code) for code in subset])
            cmap = pdfdoc.PDFStream()
            cmap.content = self._to_unicode(base_name, subset)
            if doc.compression:  # type: ignore[attr-defined]
                cmap.filters = [pdfdoc.PDFZCompress]
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_name)  # type: ignore[attr-defined]
            pdf_font.FontDescriptor = self.face.addSubsetObjects(doc, base_name, subset)
            doc.Reference(pdf_font, internal_name)  # type: ignore[attr-defined]
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font  # type: ignore[attr-defined]
        del self.state[doc]

    def _to_unicode(self, base_name: str, subset: list[int]) -> str:
        entries = []
        for index, code in enumerate(subset):
            text = self._key_text.get(code, chr(code))
            entries.append(f"<{index:02X}> <{text.encode('utf-16-be').hex().upper()}>")
        return "\n".join(
            [
                "/CIDInit /ProcSet findresource begin",
                "12 dict begin",
                "begincmap",
                f"/CIDSystemInfo << /Registry ({base_name}) /Ordering ({base_name}) /Supplement 0 >> def",
                f"/CMapName /{base_name} def",
                "/CMapType 2 def",
                "1 begincodespacerange",
                f"<00> <{len(subset) - 1:02X}>",
                "endcodespacerange",
                f"{len(entries)} beginbfchar",
                *entries,
                "endbfchar",
                "endcmap",
                "CMapName currentdict /CMap defineresource pop",
                "end",
                "end",
            ]
        )


_FONTS: dict[str, EmbeddedFont] = {}


def _font(file_name: str) -> EmbeddedFont:
    """One registered font per file and process (parsing a face is the slow part)."""
    font = _FONTS.get(file_name)
    if font is None:
        with _LOCK:
            font = _FONTS.get(file_name)
            if font is None:
                font = EmbeddedFont("CME-" + file_name.removesuffix(".ttf"), file_name)
                pdfmetrics.registerFont(font)
                _FONTS[file_name] = font
    return font


def font_name(face: FaceName) -> str:
    """The registered reportlab name of a style's main face (for plain ASCII drawn by reportlab)."""
    return str(_font(_MAIN_FILES[face]).fontName)


class FaceChain:
    """A style's faces in fallback order; fallback faces are loaded when a character needs them."""

    def __init__(self, face: FaceName) -> None:
        bold = face.endswith("-bold")
        weight = "Bold" if bold else "Regular"
        self.files = (
            _MAIN_FILES[face],
            *(f"NotoSans{script}-{weight}.ttf" for script in _SCRIPTS),
            _CJK_FILE,
        )
        self.main = _font(self.files[0])
        self._choice: dict[str, EmbeddedFont | None] = {}

    def font(self, index: int) -> EmbeddedFont:
        return _font(self.files[index])

    def font_for(self, char: str) -> EmbeddedFont | None:
        """The first face with a glyph for `char`, or None when no face has one."""
        if self.main.covers(char):
            return self.main
        try:
            return self._choice[char]
        except KeyError:
            pass
        found = next((f for f in map(self.font, range(1, len(self.files))) if f.covers(char)), None)
        self._choice[char] = found
        return found


@cache
def chain(face: FaceName) -> FaceChain:
    return FaceChain(face)
