"""Download transcript on the Claimed screen: the period's claimed certificates as a PDF or a CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Learners, sign_in
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]


def test_a_transcript_downloads_as_csv_and_as_pdf(
    page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    learner = learners.create(name="Анна Кузнецова")
    made = expect(
        api.post(
            "/claims", user=learner.user_id, json={"all": True}, headers={"Idempotency-Key": "web-transcript"}
        ),
        201,
    )
    sign_in(page, learner)
    page.get_by_role("link", name="Claimed", exact=True).click()
    page.get_by_role("heading", name="Transcript for an audit", level=2).wait_for()
    page.get_by_label("From").fill("2025-01-01")
    page.get_by_label("To").fill("2026-12-31")
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download transcript").click()
    download = downloading.value
    assert download.suggested_filename == "cme-transcript-2025-01-01-to-2026-12-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    codes = sorted(c["certificate_code"] for c in made["certificates"])
    assert sorted(r["certificate_code"] for r in rows) == codes
    assert {r["source"] for r in rows} == {"claim"}
    page.locator(".notice--success").filter(has_text="Transcript ready").wait_for()
    screenshot(page, "transcript", full_page=True)

    page.get_by_label("Format").select_option("pdf")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Download transcript").click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"/transcripts/"))
    pdf = page.context.request.get(tab.url)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    tab.close()
