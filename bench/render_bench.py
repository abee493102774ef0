"""Certificate rendering benchmark: does render time grow linearly with the topics, and how fast is one
certificate? `run()` returns rows (figure, measured value, goal); `python bench/render_bench.py` prints them.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType

_LAYER = Path(__file__).resolve().parents[1] / "layers" / "cme"
_REPEAT = 3
_SINGLE_SECONDS = 2.0


def _renderer() -> ModuleType:
    try:
        from cme_ledger.certificates import render
    except ModuleNotFoundError:  # run from a checkout without the layer on sys.path
        sys.path.insert(0, str(_LAYER))
        from cme_ledger.certificates import render
    return render


def _document(render: ModuleType, topics: int, courses: int, learner: str = "Dana Whitfield") -> object:
    start = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)
    per_course, extra = divmod(topics, courses)
    certificates = []
    number = 0
    for index in range(courses):
        lines = []
        for _ in range(per_course + (1 if index < extra else 0)):
            lines.append(
                render.TopicLine(
                    topic=f"Topic {number:05d}: recognition and management of acute presentations "
                    "in the emergency department",
                    earned_at=start + timedelta(hours=3 * number),
                    amount=Decimal("0.25") * (1 + number % 4),
                )
            )
            number += 1
        code = f"BENCH{index:03d}K7Q4M2XD9P"
        certificates.append(
            render.CourseCertificate(
                course_title=f"Course {index:03d}: Emergency Medicine Review",
                provider="Summit Institute for Emergency Medicine Education",
                total=sum((line.amount for line in lines), Decimal(0)),
                topics=tuple(lines),
                certificate_code=code,
                verify_url=f"https://cme.example.org/verify/{code}",
            )
        )
    return render.CertificateDocument(
        learner_name=learner,
        degree="MD",
        credit_type_label="AMA PRA Category 1 Credit\u2122",
        credit_statement="The provider designates this enduring material for a maximum of the credits shown "
        "as AMA PRA Category 1 Credit\u2122. Physicians should claim only the credit commensurate with "
        "the extent of their participation in the activity.",
        unit="credits",
        claimed_at=datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
        certificates=tuple(certificates),
    )


def _median_seconds(action: Callable[[], object], repeat: int = _REPEAT) -> float:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def _ratio(render: ModuleType, small: int, large: int, courses: int) -> float:
    return _times(render, small, large, courses)[2]


def _times(render: ModuleType, small: int, large: int, courses: int) -> tuple[float, float, float]:
    """Median seconds for the small and the large claim, and their ratio."""
    small_doc = _document(render, small, courses)
    large_doc = _document(render, large, courses)
    small_s = _median_seconds(lambda: render.render_pdf(small_doc))
    large_s = _median_seconds(lambda: render.render_pdf(large_doc))
    return small_s, large_s, large_s / small_s


def run() -> list[tuple[str, float, str]]:
    render = _renderer()
    render.render_pdf(_document(render, 5, 1))  # warm up: imports reportlab, builds styles

    # The ratios say whether time grows linearly with the topics; the seconds beside them say
    # how long the claims take (a cheaper fixed cost per certificate raises the 20-course ratio).
    claim_small, claim_large, claim_ratio = _times(render, 1_000, 4_000, courses=20)
    one_course_ratio = _ratio(render, 1_000, 4_000, courses=1)

    single = _document(render, 5, 1)
    per_second = _per_second(render, single)
    # Names in Arabic, Devanagari and Chinese: shaping, bidi and three fallback faces.
    scripts = [_document(render, 5, 1, name) for name in _NAMES]
    render.render_pdf(scripts[0])  # loads the fallback faces
    scripts_per_second = _per_second(render, *scripts)
    size_kb = len(render.render_pdf(single)) / 1024

    return [
        ("certificate render time, 4,000 / 1,000-topic claim (20 courses)", round(claim_ratio, 2), "<= 5"),
        ("certificate render time, 1,000-topic claim (20 courses), s", round(claim_small, 3), "-"),
        ("certificate render time, 4,000-topic claim (20 courses), s", round(claim_large, 3), "-"),
        ("certificate render time, 4,000 / 1,000 topics in one course", round(one_course_ratio, 2), "<= 5"),
        ("single-course certificates (5 topics) rendered per second", round(per_second, 1), ">= 10"),
        (
            "the same for names in Arabic, Devanagari, Chinese, per second",
            round(scripts_per_second, 1),
            ">= 10",
        ),
        ("single-course certificate (5 topics, Latin), KB", round(size_kb, 1), "<= 60"),
    ]


_NAMES = (
    "\u0641\u0627\u0637\u0645\u0629 \u0627\u0644\u0632\u0647\u0631\u0627\u0621",
    "\u0905\u0928\u0928\u094d\u092f\u093e \u0936\u0930\u094d\u092e\u093e",
    "\u738b\u5c0f\u660e",
)


def _per_second(render: ModuleType, *documents: object) -> float:
    rendered = 0
    began = time.perf_counter()
    while time.perf_counter() - began < _SINGLE_SECONDS:
        render.render_pdf(documents[rendered % len(documents)])
        rendered += 1
    return rendered / (time.perf_counter() - began)


if __name__ == "__main__":
    for name, value, goal in run():
        print(f"{name}: {value} (goal {goal})")
