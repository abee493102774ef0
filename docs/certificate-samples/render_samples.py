"""Render a certificate for a name in each script the certificates cover, as PNG (`make samples`).

    python docs/certificate-samples/render_samples.py [OUT_DIR]

Each sample is a one-course certificate whose learner, course, provider and topics are in one
script, claimed in a time zone of a place that writes it; pdftoppm (poppler-utils) turns its
first page into OUT_DIR/<script>.png (default: this folder).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT / "layers" / "cme", _ROOT / "layers" / "reportlab"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from cme_ledger.certificates.render import (  # noqa: E402 - after the layers are on the path
    CertificateDocument,
    CourseCertificate,
    TopicLine,
    render_pdf,
)
from cme_ledger.domain.credit_types import CREDIT_TYPES  # noqa: E402

# script -> (name, degree, course title, provider, topics, time zone)
SAMPLES: dict[str, tuple[str, str, str, str, tuple[str, ...], str]] = {
    "latin": (
        "Nguyễn Thị Minh Khai",
        "MD",
        "Cấp cứu nhi khoa — Łódź & São Paulo",
        "Bệnh viện Bạch Mai",
        ("Xử trí sốc nhiễm khuẩn", "Żółtaczka noworodków", "Ventilação não invasiva"),
        "Asia/Ho_Chi_Minh",
    ),
    "greek": (
        "Γιώργος Παπαδόπουλος",
        "MD",
        "Επείγουσα ιατρική",
        "Ιατρική Σχολή Αθηνών",
        ("Αντιμετώπιση σηπτικού σοκ", "Αεραγωγός στο τραύμα"),
        "Europe/Athens",
    ),
    "cyrillic": (
        "Анна Кузнецова",
        "MD",
        "Неотложная медицина",
        "Сеченовский университет",
        ("Ведение септического шока", "Обеспечение проходимости дыхательных путей"),
        "Europe/Moscow",
    ),
    "hebrew": (
        "שרה כהן",
        "MD",
        "רפואה דחופה",
        "המרכז הרפואי שיבא",
        ("טיפול בהלם ספטי", "ניהול נתיב אוויר בטראומה"),
        "Asia/Jerusalem",
    ),
    "arabic": (
        "فاطمة الزهراء",
        "MD",
        "طب الطوارئ",
        "جامعة القاهرة",
        ("علاج الصدمة الإنتانية", "تدبير مجرى الهواء في الإصابات"),
        "Africa/Cairo",
    ),
    "devanagari": (
        "अनन्या शर्मा",
        "MD",
        "आपातकालीन चिकित्सा",
        "अखिल भारतीय आयुर्विज्ञान संस्थान",
        ("सेप्टिक शॉक का प्रबंधन", "आघात में वायुमार्ग प्रबंधन"),
        "Asia/Kolkata",
    ),
    "thai": (
        "สมชาย ใจดี",
        "MD",
        "เวชศาสตร์ฉุกเฉิน",
        "โรงพยาบาลศิริราช",
        ("การรักษาภาวะช็อกจากการติดเชื้อ", "การดูแลทางเดินหายใจในผู้บาดเจ็บ"),
        "Asia/Bangkok",
    ),
    "chinese": (
        "王小明",
        "MD",
        "急诊医学",
        "北京协和医院",
        ("脓毒性休克的处理", "创伤患者的气道管理"),
        "Asia/Shanghai",
    ),
    "japanese": (
        "山田 花子",
        "MD",
        "救急医学",
        "東京大学医学部附属病院",
        ("敗血症性ショックの管理", "外傷患者の気道管理"),
        "Asia/Tokyo",
    ),
    "korean": (
        "김민준",
        "MD",
        "응급의학",
        "서울대학교병원",
        ("패혈성 쇼크의 치료", "외상 환자의 기도 관리"),
        "Asia/Seoul",
    ),
}


def sample_document(script: str) -> CertificateDocument:
    name, degree, title, provider, topics, zone = SAMPLES[script]
    credit_type = CREDIT_TYPES["AMA_PRA_1"]
    start = datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
    lines = tuple(
        TopicLine(topic, start + timedelta(days=9 * i), Decimal("0.75") + Decimal("0.25") * i)
        for i, topic in enumerate(topics)
    )
    code = "7KQ4-M2XD-9PRT-H3VW"
    return CertificateDocument(
        learner_name=name,
        degree=degree,
        credit_type_label=credit_type.label,
        credit_statement=credit_type.statement,
        unit=credit_type.unit,
        claimed_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
        certificates=(
            CourseCertificate(
                course_title=title,
                provider=provider,
                total=sum((line.amount for line in lines), Decimal(0)),
                topics=lines,
                certificate_code=code,
                verify_url=f"https://cme.example.org/verify/{code}",
            ),
        ),
        time_zone=zone,
    )


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    tool = shutil.which("pdftoppm")
    if tool is None:
        print("pdftoppm is missing: make system-deps (poppler-utils)", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for script in SAMPLES:
            pdf = Path(scratch) / f"{script}.pdf"
            pdf.write_bytes(render_pdf(sample_document(script)))
            subprocess.run(  # noqa: S603 - fixed argv
                [tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out / script)],
                check=True,
                timeout=120,
            )
            print(out / f"{script}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
