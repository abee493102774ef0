"""Certificates for names in every script, checked from the PDF itself.

For each script: every character of the name (and of the course title, provider and topic) has a
real glyph in a font embedded in the PDF, never .notdef, and `pdftotext` gives each text back as
it was given, right-to-left ones in logical order.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from cme_ledger.certificates.render import CertificateDocument, CourseCertificate, TopicLine, render_pdf


@dataclass(frozen=True)
class Sample:
    name: str
    title: str
    provider: str
    topic: str


SAMPLES = {
    "latin-vietnamese": Sample(
        "Nguyễn Thị Minh Khai", "Cấp cứu nhi khoa", "Bệnh viện Bạch Mai", "Xử trí sốc nhiễm khuẩn"
    ),
    "latin-polish": Sample(
        "Łukasz Żółkiewski", "Medycyna ratunkowa", "Śląski Uniwersytet Medyczny", "Postępowanie we wstrząsie"
    ),
    # poppler joins one-letter words ("A B C" -> "ABC") whatever the font: the samples avoid them
    "latin-extended": Sample(
        "Ǆemal Ŋgozi Ḗrik Ȿahn", "Ꞩaȿe Ǯuma Ꝑeter", "Ḁḃḉ Ẅẍy Ɐna", "Ǳudita Ȑadić Ỻewelyn Ꜳsen"
    ),
    "greek": Sample(
        "Γιώργος Παπαδόπουλος", "Επείγουσα ιατρική", "Ιατρική Σχολή Αθηνών", "Αντιμετώπιση σηπτικού σοκ"
    ),
    "cyrillic": Sample(
        "Анна Кузнецова", "Неотложная медицина", "Первый МГМУ им. Сеченова", "Ведение септического шока"
    ),
    "hebrew": Sample("שרה כהן", "רפואה דחופה", "המרכז הרפואי שיבא", "טיפול בהלם ספטי"),
    "arabic": Sample("فاطمة الزهراء", "طب الطوارئ", "جامعة القاهرة", "علاج الصدمة الإنتانية"),
    "arabic-lam-alef": Sample("علاء عبد الله", "صلاة", "مستشفى الأمل", "بلال"),
    "devanagari": Sample(
        "अनन्या शर्मा", "आपातकालीन चिकित्सा", "अखिल भारतीय आयुर्विज्ञान संस्थान", "सेप्टिक शॉक का प्रबंधन"
    ),
    "thai": Sample("สมชาย ใจดี", "เวชศาสตร์ฉุกเฉิน", "โรงพยาบาลศิริราช", "การรักษาภาวะช็อกจากการติดเชื้อ"),
    "chinese": Sample("王小明", "急诊医学", "北京协和医院", "脓毒性休克的处理"),
    "japanese": Sample("山田 花子", "救急医学", "東京大学医学部附属病院", "敗血症性ショックの管理"),
    "korean": Sample("김민준", "응급의학", "서울대학교병원", "패혈성 쇼크의 치료"),
}


def certificate(sample: Sample, *, preview: bool = False, degree: str = "") -> bytes:
    code = None if preview else "7KQ4-M2XD-9PRT-H3VW"
    return render_pdf(
        CertificateDocument(
            learner_name=sample.name,
            degree=degree,
            credit_type_label="AMA PRA Category 1 Credit\u2122",
            credit_statement="The provider designates this enduring material for a maximum of the credits shown.",
            unit="credits",
            claimed_at=datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
            certificates=(
                CourseCertificate(
                    course_title=sample.title,
                    provider=sample.provider,
                    total=Decimal("1.5"),
                    topics=(TopicLine(sample.topic, datetime(2026, 3, 1, 12, tzinfo=UTC), Decimal("1.5")),),
                    certificate_code=code,
                    verify_url=None if preview else f"https://cme.example.org/verify/{code}",
                ),
            ),
            preview=preview,
        )
    )


# ------------------------------------------------------------------------ reading the PDF's fonts


@dataclass(frozen=True)
class EmbeddedFont:
    base_font: str
    # the text each code of the font stands for, for the codes drawn with a real glyph of the
    # embedded subset (neither .notdef nor the stand-in for characters the face lacks)
    inked: dict[int, str]
    glyphs: int


_BFCHAR = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


def to_unicode(cmap: str) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in _BFCHAR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return mapping


def embedded_fonts(pdf: bytes) -> list[Any]:
    """Every font of every page: (base font, embedded or not, and for embedded ones what they ink)."""
    seen: dict[Any, Any] = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            key = ref.idnum if hasattr(ref, "idnum") else id(font)
            if key in seen:
                continue
            descriptor = font.get("/FontDescriptor")
            file = descriptor.get_object().get("/FontFile2") if descriptor is not None else None
            if file is None:
                seen[key] = (str(font["/BaseFont"]), None)
                continue
            face = TTFont(BytesIO(file.get_object().get_data()))
            cmap = next(iter(face["cmap"].tables)).cmap
            glyf = face["glyf"]
            unicode = to_unicode(font["/ToUnicode"].get_object().get_data().decode("latin-1"))
            # reportlab draws a character no glyph of the face stands for as code 0, so code 0's
            # glyph is the stand-in; a shaped run that met such a character has .notdef itself.
            missing = {".notdef", cmap.get(0)}
            inked = {code: text for code, text in unicode.items() if code and cmap.get(code) not in missing}
            seen[key] = (
                str(font["/BaseFont"]),
                EmbeddedFont(str(font["/BaseFont"]), inked, len(glyf.keys())),
            )
    return list(seen.values())


def inked_characters(pdf: bytes) -> set[str]:
    return {char for _, font in embedded_fonts(pdf) if font for text in font.inked.values() for char in text}


def pdftotext(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: make system-deps")
    result = subprocess.run(  # noqa: S603 - fixed argv
        [tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    # pdftotext marks right-to-left runs with embedding controls (RLE ... PDF); the text itself
    # is in logical order between them.
    return re.sub("[\u202a-\u202e]", "", result.stdout.decode("utf-8"))


# ------------------------------------------------------------------------ tests


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_every_character_has_a_glyph_in_an_embedded_font(script: str) -> None:
    sample = SAMPLES[script]
    pdf = certificate(sample)
    fonts = embedded_fonts(pdf)
    assert all(font is not None for _, font in fonts), f"fonts not embedded: {fonts}"
    inked = inked_characters(pdf)
    for text in (sample.name, sample.title, sample.provider, sample.topic):
        missing = {char for char in text if not char.isspace() and char not in inked}
        assert not missing, f"{script}: no glyph for {sorted(missing)} in {text!r}"


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_text_layer_gives_back_name_title_provider_and_topic(script: str) -> None:
    sample = SAMPLES[script]
    text = pdftotext(certificate(sample))
    for given in (sample.name, sample.title, sample.provider, sample.topic):
        assert given in text, f"{script}: {given!r} not in the text layer:\n{text}"


@pytest.mark.parametrize("script", ["arabic", "hebrew", "chinese", "devanagari"])
def test_preview_prints_the_same_name(script: str) -> None:
    sample = SAMPLES[script]
    text = pdftotext(certificate(sample, preview=True))
    assert sample.name in text
    assert "PREVIEW" in text


def test_name_with_degree_keeps_the_name_whole() -> None:
    for sample in (SAMPLES["arabic"], SAMPLES["thai"], SAMPLES["korean"]):
        text = pdftotext(certificate(sample, degree="MD"))
        assert sample.name in text
        assert "MD" in text


def test_mixed_scripts_in_one_text_each_in_the_face_that_has_it() -> None:
    mixed = Sample("Anna Кузнецова-王 (שרה)", "Sepsis: فاطمة and 急诊 2026", "Provider Ωmega", "Topic ก้าว")
    pdf = certificate(mixed)
    inked = inked_characters(pdf)
    for text in (mixed.name, mixed.title, mixed.provider, mixed.topic):
        assert not {c for c in text if not c.isspace() and c not in inked}
    faces = {base.split("+", 1)[-1] for base, _ in embedded_fonts(pdf)}
    assert {
        "DroidSansFallback",
        "NotoSansHebrew-Bold",
        "NotoSansArabic-Bold",
        "NotoSansThai-Regular",
    } <= faces
    text = pdftotext(pdf)
    assert "Anna Кузнецова-王" in text and "Provider Ωmega" in text and "Topic ก้าว" in text


def test_latin_certificate_embeds_only_its_faces_and_only_the_glyphs_it_uses() -> None:
    sample = Sample("Dana Whitfield", "Emergency Medicine Review", "Summit Institute", "Sepsis bundles")
    pdf = certificate(sample)
    fonts = embedded_fonts(pdf)
    faces = sorted(base.split("+", 1)[-1] for base, _ in fonts)
    assert faces == [
        "NotoSans-Bold",
        "NotoSans-Regular",
        "NotoSerif-Bold",
        "NotoSerif-Italic",
        "NotoSerif-Regular",
    ]
    for _, font in fonts:
        # A subset: the glyphs of the characters printed (and .notdef), not the face's thousands.
        assert font.glyphs < 80, font.base_font
    assert len(pdf) < 60_000


def test_a_character_no_face_has_prints_as_the_replacement_character() -> None:
    # An emoji is in none of the faces: it shows as U+FFFD, so a reader sees something is missing.
    text = pdftotext(certificate(Sample("Zoë \U0001f600 Quinn", "T", "P", "Topic")))
    assert "Zoë \ufffd Quinn" in text
