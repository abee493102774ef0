"""harfbuzz shaping of one run of text in one face, into glyphs reportlab can draw and a text
layer that reads back as the text was given (imports reportlab; uharfbuzz on the first shaping)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

from cme_ledger.certificates.fonts import EmbeddedFont

_HB_FEATURES = {"liga": False, "dlig": False}  # only the ligatures a script requires


@lru_cache(maxsize=4096)
def shape(font: EmbeddedFont, text: str, *, rtl: bool) -> tuple[str, float]:
    """Glyph keys in visual order (a ShapedStr) and the advance in thousandths of an em.

    Each grapheme cluster's characters are dealt, in logical order, to its glyphs that advance
    (one each, the rest to the last); its zero-width marks read as nothing. So a text extractor
    that strings glyphs together by position reads the text as it was given: "ริ" reads from
    the consonant, a Devanagari conjunct from the glyphs it is drawn with, in order. A glyph
    that stands for several characters in a right-to-left run (lam-alef) is followed by
    invisible glyphs that carry the rest, one character each, since extractors put
    right-to-left text back in logical order one glyph at a time.
    """
    import uharfbuzz  # only texts that need shaping pay for harfbuzz

    buf = uharfbuzz.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_GRAPHEMES
    uharfbuzz.shape(font.hb_font, buf, _HB_FEATURES)
    infos, positions = buf.glyph_infos, buf.glyph_positions
    ends = _cluster_ends(sorted({info.cluster for info in infos}), len(text))
    space = font.face.charToGlyph.get(32)
    keys: list[str] = []
    data: list[Any] = []
    scale = font.scale
    i = 0
    while i < len(infos):
        j = i
        while j < len(infos) and infos[j].cluster == infos[i].cluster:
            j += 1
        cluster = infos[i].cluster
        glyphs = range(i, j)  # visual order
        logical = glyphs[::-1] if rtl else glyphs
        carriers = [g for g in logical if positions[g].x_advance] or [logical[0]]
        assigned = dict.fromkeys(glyphs, "") | dict(
            zip(carriers, _spread(text[cluster : ends[cluster]], len(carriers)), strict=True)
        )
        for g in glyphs:
            pos, piece = positions[g], assigned[g]
            advance = scale(pos.x_advance)
            if rtl and len(piece) > 1 and space is not None:
                share = advance / len(piece)
                _emit(font, keys, data, infos[g].codepoint, piece[-1], cluster, share, pos, scale)
                for char in reversed(piece[:-1]):  # left to right: the last but one first
                    _emit(font, keys, data, space, char, cluster, share, None, scale)
                continue
            _emit(font, keys, data, infos[g].codepoint, piece, cluster, advance, pos, scale)
        i = j
    return ShapedStr("".join(keys), shapeData=data), sum(d.x_advance for d in data)


def _emit(
    font: EmbeddedFont,
    keys: list[str],
    data: list[Any],
    gid: int,
    text: str,
    cluster: int,
    advance: float,
    pos: Any,
    scale: Callable[[float], float],
) -> None:
    key = font.glyph_key(gid, text)
    x_off, y_off = (scale(pos.x_offset), scale(pos.y_offset)) if pos is not None else (0.0, 0.0)
    keys.append(key)
    data.append(ShapeData(cluster, advance, 0, x_off, y_off, font.face.charWidths[ord(key)]))


def _cluster_ends(starts: list[int], length: int) -> dict[int, int]:
    return {start: (starts[k + 1] if k + 1 < len(starts) else length) for k, start in enumerate(starts)}


def _spread(chars: str, glyphs: int) -> list[str]:
    """The characters of a cluster dealt to its glyphs in logical order: one each, the rest to
    the last glyph (a ligature, a mark), or nothing to the glyphs left over (a split vowel)."""
    if glyphs == 1:
        return [chars]
    head = [chars[k] if k < len(chars) else "" for k in range(glyphs - 1)]
    return [*head, chars[glyphs - 1 :]]
