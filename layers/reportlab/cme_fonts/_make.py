"""Rebuild the shipped font files from Debian's packages (a developer tool; never imported at run time).

    make fonts        # apt-get download fonts-noto-core fonts-droid-fallback, then this script

Each face is copied from the extracted packages with its TrueType hinting removed (the fpgm,
prep and cvt tables and every glyph's instructions): a PDF is rasterised at print resolution
where hinting does nothing, and without it reportlab's subset of a face is half the size and
half the time to make. Outlines, metrics, cmap and the OpenType layout tables (GSUB, GPOS, GDEF)
are unchanged. Needs fontTools (a dev dependency).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

# shipped file -> path inside the extracted Debian packages
SOURCES = {
    **{
        f"{face}.ttf": f"usr/share/fonts/truetype/noto/{face}.ttf"
        for face in (
            "NotoSans-Regular",
            "NotoSans-Bold",
            "NotoSerif-Regular",
            "NotoSerif-Bold",
            "NotoSerif-Italic",
            "NotoSansArabic-Regular",
            "NotoSansArabic-Bold",
            "NotoSansHebrew-Regular",
            "NotoSansHebrew-Bold",
            "NotoSansDevanagari-Regular",
            "NotoSansDevanagari-Bold",
            "NotoSansThai-Regular",
            "NotoSansThai-Bold",
        )
    },
    "DroidSansFallback.ttf": "usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
}
_HINTING_TABLES = ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX")


def unhinted(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables import ttProgram

    font = TTFont(str(source), recalcTimestamp=False)
    for tag in _HINTING_TABLES:
        if tag in font:
            del font[tag]
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if hasattr(glyph, "program"):
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
    maxp = font["maxp"]
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font.save(str(target))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m cme_fonts._make EXTRACTED_DEBIAN_PACKAGES_DIR", file=sys.stderr)
        return 2
    root = Path(argv[1])
    here = Path(__file__).resolve().parent
    for shipped, inside in SOURCES.items():
        source = root / inside
        unhinted(source, here / shipped)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        size = (here / shipped).stat().st_size
        print(f"{shipped}: {size:,} bytes (from {inside}, sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
