"""The transcript for a board audit, through the real handlers under moto: every field checked
against the claims and external credit it came from, in JSON, in CSV (parsed back) and in the PDF
(its text layer read back), for a learner whose name is not in Latin script."""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from cme_ledger import clock
from cme_ledger.config import reset_settings
from cme_ledger.services import certificates
from tests.support import admin, call, make_premium

LEARNER = "learner-transcript"
NAME = "Nguyễn Thị Minh Khai"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def course(course_id: str, title: str, provider: str, live: bool, topics: list[str]) -> None:
    body = {
        "title": title,
        "provider": provider,
        "credit_types": ["AMA_PRA_1"],
        "live": live,
        "topics": topics,
    }
    reply = admin("PUT", f"/admin/courses/{course_id}", body=body)
    assert reply.status == 200, reply


def credit(course_id: str, topic: str, amount: float, earned_at: str, source: str) -> str:
    item = {
        "user_id": LEARNER,
        "course_id": course_id,
        "topic": topic,
        "amount": amount,
        "source_id": source,
        "earned_at": earned_at,
    }
    reply = admin("POST", "/admin/credits", body={"items": [item]})
    assert reply.status == 201, reply
    return str(reply.body["items"][0]["credit_id"])


@pytest.fixture
def world(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Two claimed courses (one certificate later revoked), one external credit, in Los Angeles time."""
    monkeypatch.setenv("STATUS_LIST_WAIT_SECONDS", "0")
    reset_settings()
    at(T0)
    make_premium(LEARNER)
    profile = {
        "display_name": NAME,
        "degree": "MD",
        "time_zone": "America/Los_Angeles",
        "board_ids": {"ABP": "123456"},
    }
    assert call("PUT", "/me", user=LEARNER, body=profile).status == 200
    course("sepsis", "Sepsis \u2014 what\u2019s new", "Northwind Medical Education", True, ["patient_safety"])
    course("airway", "Airway \u201cbasics\u201d, =1+1", "Westbrook CME", False, ["ethics"])
    course("gone", "Revoked course", "Nobody", False, [])
    # Earned at 03:30 UTC on 1 March: still 28 February in Los Angeles.
    credit("sepsis", "Shock", 1.5, "2026-03-01T03:30:00Z", "s1")
    credit("sepsis", "Fluids", 0.5, "2026-02-10T18:00:00Z", "s2")
    credit("airway", "RSI", 2, "2026-04-02T18:00:00Z", "a1")
    credit("gone", "Never mind", 3, "2026-04-03T18:00:00Z", "g1")
    made = call("POST", "/claims", user=LEARNER, body={"all": True}, headers={"Idempotency-Key": "t"})
    assert made.status == 201, made
    codes = {c["course_id"]: c["certificate_code"] for c in made.body["certificates"]}
    assert certificates.render_claim(LEARNER, made.body["claim_id"]) == "rendered"
    revoked = admin(
        "POST", f"/admin/certificates/{codes['gone']}/revoke", body={"reason": "Attendance not confirmed"}
    )
    assert revoked.status == 200, revoked
    external = {
        "title": "Regional trauma symposium",
        "provider": "State Medical Society",
        "credit_type": "AMA_PRA_1",
        "amount": 4.25,
        "completed_on": "2026-05-20",
        "topics": ["patient_safety"],
        "live": True,
    }
    assert call("POST", "/me/external-credits", user=LEARNER, body=external).status == 201
    yield {"codes": codes}
    clock.set_clock(None)


def expected_items(codes: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "source": "claim",
            "date": "2026-02-28",  # the last credit's day in Los Angeles, not 1 March (UTC)
            "provider": "Northwind Medical Education",
            "activity_title": "Sepsis \u2014 what\u2019s new",
            "credit_type": "AMA_PRA_1",
            "credit_type_label": "AMA PRA Category 1 Credit™",
            "credits": 2,
            "certificate_code": codes["sepsis"],
            "topics": ["patient_safety"],
        },
        {
            "source": "claim",
            "date": "2026-04-02",
            "provider": "Westbrook CME",
            "activity_title": "Airway \u201cbasics\u201d, =1+1",
            "credit_type": "AMA_PRA_1",
            "credit_type_label": "AMA PRA Category 1 Credit™",
            "credits": 2,
            "certificate_code": codes["airway"],
            "topics": ["ethics"],
        },
        {
            "source": "external",
            "date": "2026-05-20",
            "provider": "State Medical Society",
            "activity_title": "Regional trauma symposium",
            "credit_type": "AMA_PRA_1",
            "credit_type_label": "AMA PRA Category 1 Credit™",
            "credits": 4.25,
            "certificate_code": None,
            "topics": ["patient_safety"],
        },
    ]


def test_the_json_transcript_lists_every_certificate_and_external_credit_by_date(
    world: dict[str, Any],
) -> None:
    reply = call("GET", "/me/transcript", user=LEARNER)
    assert reply.status == 200, reply
    body = reply.body
    assert body["learner"] == {"display_name": NAME, "degree": "MD", "board_ids": {"ABP": "123456"}}
    assert (body["from"], body["to"]) == (
        "2023-06-01",
        "2026-06-01",
    )  # the last 3 years, in the learner's zone
    assert body["items"] == expected_items(world["codes"])  # the revoked certificate is not there
    assert body["totals"] == {"AMA_PRA_1": 8.25}


def test_the_period_selects_on_the_date_and_from_after_to_is_a_422(world: dict[str, Any]) -> None:
    march = call("GET", "/me/transcript", user=LEARNER, query={"from": "2026-03-01", "to": "2026-04-30"})
    assert [i["activity_title"] for i in march.body["items"]] == ["Airway \u201cbasics\u201d, =1+1"]
    assert march.body["totals"] == {"AMA_PRA_1": 2}
    wrong = call("GET", "/me/transcript", user=LEARNER, query={"from": "2026-05-01", "to": "2026-04-30"})
    assert wrong.status == 422 and wrong.body["error"]["details"][0]["field"] == "from"
    assert call("GET", "/me/transcript", user=LEARNER, query={"format": "xml"}).status == 422


def test_the_csv_opens_in_a_spreadsheet_and_parses_back_to_the_same_rows(world: dict[str, Any]) -> None:
    reply = call("GET", "/me/transcript", user=LEARNER, query={"format": "csv"})
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    text = reply.body
    assert isinstance(text, str) and text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    expected = expected_items(world["codes"])
    assert len(rows) == len(expected)
    for row, item in zip(rows, expected, strict=True):
        title = item["activity_title"]
        assert row["activity_title"] == ("'" + title if title.startswith("=") else title)
        assert row["date"] == item["date"] and row["provider"] == item["provider"]
        assert (
            row["credits"] == str(item["credits"]) and row["credit_type_label"] == item["credit_type_label"]
        )
        assert row["certificate_code"] == (item["certificate_code"] or "")
        assert row["topics"] == "; ".join(item["topics"])
    assert [r["format"] for r in rows] == ["live", "enduring", "live"]


def test_the_pdf_prints_every_row_with_the_learners_name_in_its_own_script(world: dict[str, Any]) -> None:
    reply = call("GET", "/me/transcript", user=LEARNER, query={"format": "pdf"})
    assert reply.status == 200, reply
    assert reply.body["expires_in"] <= 300
    pdf = requests.get(reply.body["url"], timeout=30).content
    assert pdf.startswith(b"%PDF")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-layout", str(path), "-"]  # poppler's, on a file of ours
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    flat = " ".join(text.split())
    joined = "".join(text.split())  # table cells may wrap anywhere
    assert NAME in flat and "ABP ID 123456" in flat
    for item in expected_items(world["codes"]):
        assert item["date"] in flat
        for text_ in (item["provider"], item["activity_title"], item["certificate_code"] or "Self-reported"):
            assert "".join(text_.split()) in joined, text_
    assert "Revoked course" not in flat
    assert "8.25" in flat and "Page 1" in flat


def test_a_long_transcript_goes_through_the_render_queue(
    world: dict[str, Any], aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cme_ledger.services import transcript
    from tests.integration.test_certificates import deliver, receive

    receive(aws, "RenderQueue", visibility=0)  # whatever the claim left there is not this test's
    monkeypatch.setattr(transcript, "IN_REQUEST_ROWS", 1)
    reply = call("GET", "/me/transcript", user=LEARNER, query={"format": "pdf"})
    assert reply.status == 200, reply
    assert requests.get(reply.body["url"], timeout=30).status_code == 404  # not rendered yet
    jobs = [m for m in receive(aws, "RenderQueue", visibility=60) if '"transcript":' in m["Body"]]
    assert len(jobs) == 1
    assert deliver(aws, "RenderQueue", "CertificateWorkerFunction", jobs) == []
    pdf = requests.get(reply.body["url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
