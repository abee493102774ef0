"""The TrueType faces certificates are set in, shipped with the reportlab layer.

Only files: nothing here imports reportlab. Where each face comes from and its licence:
docs/certificates.md (Fonts); the licence texts are beside the files (OFL-1.1.txt, Apache-2.0.txt).
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent


def font_path(file_name: str) -> str:
    """The absolute path of one of the shipped font files (e.g. "NotoSans-Regular.ttf")."""
    path = FONT_DIR / file_name
    if not path.is_file():
        raise FileNotFoundError(f"font file {file_name} is not shipped in {FONT_DIR}")
    return str(path)
