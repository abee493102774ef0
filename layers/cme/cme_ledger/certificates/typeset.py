"""Text in any script set into lines: font fallback, bidi, line breaking (drawn by `drawing`).

A text is cut into units between break opportunities (after white space; around Chinese and
Japanese characters), each unit into segments of one face and one bidi level. Segments in a
right-to-left level or in a script that needs it (Arabic, Hebrew, Devanagari, Thai, combining
marks) are shaped by harfbuzz (`shaping`); everything else is measured and drawn as plain characters, the
fast path every Latin certificate takes. Lines are filled greedily in logical order and each
line's segments are put in visual order (UAX #9 rule L2), so a wrapped right-to-left title
reads from its first line down. The base direction of each text is its own (its first strong
character), so a name in Arabic is a right-to-left paragraph in an English certificate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from cme_ledger.certificates.fonts import EmbeddedFont, FaceChain
from cme_ledger.certificates.shaping import shape

Align = Literal["left", "center", "right", "start"]

_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
_COMPLEX = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0590-\u0dff\u0e00-\u0eff\u0f00-\u109f\u1100-\u11ff\u1ab0-\u1aff"
    "\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufb1d-\ufdff\ufe00-\ufe0f\ufe20-\ufe2f\ufe70-\ufefc]"
)
# A line may break before or after one of these (ideographs, kana, CJK punctuation, full width).
_CJK = re.compile(
    "[\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60\U00020000-\U0003ffff]"
)


@dataclass(slots=True)
class Segment:
    """Characters of one face at one bidi level, measured at one size."""

    font: EmbeddedFont
    level: int
    text: str
    width: float  # points
    glyphs: str  # what is drawn: the text itself, or a reportlab ShapedStr of glyph keys


@dataclass(slots=True)
class _Unit:
    """The text between two break opportunities, and the white space that ends it."""

    segments: list[Segment]
    width: float
    space: Segment | None


@dataclass(frozen=True, slots=True)
class Line:
    segments: tuple[Segment, ...]  # visual order, left to right
    width: float


class SetText:
    """One text in one chain of faces at one size, ready to be broken into lines of any width."""

    def __init__(self, text: str, chain: FaceChain, size: float, base: int | None = None) -> None:
        self.chain = chain
        self.size = size
        self.base = base  # 0 left to right, 1 right to left, None: the text's first strong character
        self.rtl = base == 1
        self.plain = _plain(text, chain.main)
        self.text = text if self.plain else _printable(text, chain)
        self._units: list[_Unit] | None = None
        self._lines: dict[float, tuple[Line, ...]] = {}

    @property
    def units(self) -> list[_Unit]:
        if self._units is None:
            self._units = _units(self, self.text)
        return self._units

    def lines(self, width: float) -> tuple[Line, ...]:
        found = self._lines.get(width)
        if found is None:
            found = self._lines[width] = self._one_plain_line(width) or tuple(_break(self, width))
        return found

    def _one_plain_line(self, width: float) -> tuple[Line, ...]:
        """Most texts are short Latin: one face, one line, measured in one call."""
        if not self.plain or not self.text:
            return ()
        main = self.chain.main
        whole = main.stringWidth(self.text, self.size)
        return (Line((Segment(main, 0, self.text, whole, self.text),), whole),) if whole <= width else ()

    def segment(self, font: EmbeddedFont, level: int, text: str) -> Segment:
        if level % 2 or _COMPLEX.search(text):
            glyphs, advance = shape(font, text, rtl=bool(level % 2))
            return Segment(font, level, text, advance * self.size / 1000, glyphs)
        return Segment(font, level, text, font.stringWidth(text, self.size), text)


def _plain(text: str, main: EmbeddedFont) -> bool:
    """Left to right, no shaping, every character in the main face: the fast path."""
    if _RTL.search(text) or _COMPLEX.search(text) or _CJK.search(text):
        return False
    codes = main.face.charToGlyph
    return all(ord(c) in codes for c in set(text))


def _printable(text: str, chain: FaceChain) -> str:
    """A character none of the faces has (an emoji, a historic script) prints as U+FFFD, the
    replacement character, so the reader sees that something is missing rather than nothing;
    marks, spaces and format characters without a glyph (a variation selector) print as nothing."""
    return "".join(
        c if chain.font_for(c) is not None or unicodedata.category(c)[0] in "MZC" else "\ufffd" for c in text
    )


def _units(owner: SetText, text: str) -> list[_Unit]:
    if not text:
        return []
    if owner.plain:
        main = owner.chain.main
        return [_plain_unit(owner, main, m.group(1), m.group(2)) for m in _WORDS.finditer(text)]
    levels = _levels(owner, text)
    fonts = _fonts(text, owner.chain)
    units: list[_Unit] = []
    for start, core_end, end in _breaks(text):
        segments = [owner.segment(f, lv, text[a:b]) for f, lv, a, b in _runs(fonts, levels, start, core_end)]
        space = (
            owner.segment(fonts[core_end], levels[core_end], text[core_end:end]) if end > core_end else None
        )
        units.append(_Unit(segments, sum(s.width for s in segments), space))
    return units


_WORDS = re.compile(r"(\S+)(\s*)|(\s+)")


def _plain_unit(owner: SetText, font: EmbeddedFont, core: str | None, space: str | None) -> _Unit:
    size = owner.size
    seg = [Segment(font, 0, core, font.stringWidth(core, size), core)] if core else []
    gap = Segment(font, 0, space, font.stringWidth(space, size), space) if space else None
    return _Unit(seg, seg[0].width if seg else 0.0, gap)


def _levels(owner: SetText, text: str) -> list[int]:
    """Resolved bidi levels (rules P2-I2 of UAX #9), one per character."""
    if not _RTL.search(text):
        return [0] * len(text)
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    base = algorithm.get_base_level(text) if owner.base is None else owner.base
    storage["base_level"], storage["base_dir"] = base, ("L", "R")[base]
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    owner.rtl = base == 1
    return [int(ch["level"]) for ch in storage["chars"]]


def _fonts(text: str, chain: FaceChain) -> list[EmbeddedFont]:
    """The face of each character: letters pick theirs; marks, digits, spaces and punctuation stay
    in the face before them when it has them, so a run is not cut by a space or a comma."""
    out: list[EmbeddedFont] = []
    previous: EmbeddedFont | None = None
    for char in text:
        if previous is not None and not unicodedata.category(char).startswith("L") and previous.covers(char):
            font = previous
        else:
            font = chain.font_for(char) or previous or chain.main
        out.append(font)
        previous = font
    return out


def _breaks(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end of the non-space part, end) of each unit."""
    start, i, n = 0, 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            yield start, i, j
            start = i = j
            continue
        if (
            i + 1 < n
            and not text[i + 1].isspace()
            and (_CJK.match(char) or _CJK.match(text[i + 1]))
            and not unicodedata.category(text[i + 1]).startswith("M")
        ):
            yield start, i + 1, i + 1
            start = i + 1
        i += 1
    if start < n:
        yield start, n, n


def _runs(
    fonts: list[EmbeddedFont], levels: list[int], start: int, end: int
) -> Iterator[tuple[Any, int, int, int]]:
    """(font, level, start, end) of each run of one face and one level in [start, end)."""
    a = start
    for i in range(start + 1, end + 1):
        if i == end or fonts[i] is not fonts[a] or levels[i] != levels[a]:
            yield fonts[a], levels[a], a, i
            a = i


def _break(owner: SetText, width: float) -> Iterator[Line]:
    """Greedy line filling; a unit wider than a line is cut between characters."""
    line: list[Segment] = []
    used = 0.0
    pending: Segment | None = None  # the space after the last unit, kept only if more follows
    for unit in owner.units:
        for piece in _fitting(owner, unit, width):
            gap = pending.width if pending is not None else 0.0
            if line and used + gap + piece.width > width:
                yield visual(line, owner.rtl)
                line, used, pending = [], 0.0, None
            if pending is not None and line:
                line.append(pending)
                used += pending.width
            line.extend(piece.segments)
            used += piece.width
            pending = piece.space
    if line:
        yield visual(line, owner.rtl)


def _fitting(owner: SetText, unit: _Unit, width: float) -> Iterator[_Unit]:
    if unit.width <= width or len("".join(s.text for s in unit.segments)) < 2:
        yield unit
        return
    # Cut the unit's text into pieces that fit, between characters that are not combining marks.
    flat = [(s.font, s.level, c) for s in unit.segments for c in s.text]
    start = 0
    while start < len(flat):
        end = start + 1
        best = _piece(owner, flat[start:end], None)
        while end < len(flat):
            stop = end + 1
            while stop < len(flat) and unicodedata.category(flat[stop][2]).startswith("M"):
                stop += 1
            candidate = _piece(owner, flat[start:stop], None)
            if candidate.width > width:
                break
            best, end = candidate, stop
        if end >= len(flat):
            best.space = unit.space
        yield best
        start = end


def _piece(owner: SetText, chars: list[tuple[EmbeddedFont, int, str]], space: Segment | None) -> _Unit:
    segments: list[Segment] = []
    a = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or chars[i][:2] != chars[a][:2]:
            font, level = chars[a][0], chars[a][1]
            segments.append(owner.segment(font, level, "".join(c for _, _, c in chars[a:i])))
            a = i
    return _Unit(segments, sum(s.width for s in segments), space)


def visual(segments: list[Segment], rtl: bool) -> Line:
    """Rule L2: reverse every maximal run at or above each odd level, highest level first."""
    order = list(segments)
    levels = [s.level for s in order]
    if max(levels, default=0) > 0:
        lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else max(levels)
        for level in range(max(levels), lowest_odd - 1, -1):
            i = 0
            while i < len(order):
                if order[i].level >= level:
                    j = i
                    while j < len(order) and order[j].level >= level:
                        j += 1
                    order[i:j] = order[i:j][::-1]
                    i = j
                else:
                    i += 1
    return Line(tuple(_merged(order)), sum(s.width for s in order))


def _merged(order: list[Segment]) -> Iterator[Segment]:
    """Neighbours in one face and direction drawn as one string: fewer, shorter PDF operators."""
    current: Segment | None = None
    for segment in order:
        if (
            current is not None
            and segment.font is current.font
            and segment.level % 2 == current.level % 2
            and type(segment.glyphs) is type(current.glyphs)
        ):
            current = Segment(
                current.font,
                current.level,
                current.text + segment.text,
                current.width + segment.width,
                current.glyphs + segment.glyphs,
            )
            continue
        if current is not None:
            yield current
        current = segment
    if current is not None:
        yield current
