"""External credit end to end on the local stack: a real presigned PUT to its S3 endpoint (with the
browser's CORS preflight), S3's event delivered through the upload queue to the checker as in AWS,
and the file shown only once checked; a file of another type and an 11 MB file never are."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests

from tests.stack import Api, expect

pytestmark = pytest.mark.e2e

BODY = {
    "title": "Wilderness Medicine Conference",
    "provider": "Wilderness Medical Society",
    "credit_type": "AMA_PRA_1",
    "amount": 12,
    "completed_on": "2026-03-14",
    "topics": ["patient_safety"],
    "live": True,
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _record(api: Api, user: str) -> dict[str, Any]:
    return dict(expect(api.post("/me/external-credits", user=user, json=BODY), 201))


def _certificate(api: Api, user: str, credit_id: str, wait: float) -> Any:
    """The credit's certificate once it is shown, or None after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        shown = expect(api.get(f"/me/external-credits/{credit_id}", user=user), 200)["certificate"]
        if shown is not None or time.monotonic() > deadline:
            return shown
        time.sleep(0.25)


def test_an_upload_is_checked_on_arrival_and_then_shown(api: Api) -> None:
    user = f"uploader-{uuid.uuid4().hex[:10]}"
    created = _record(api, user)
    url = created["upload_url"]
    assert url.startswith("http://127.0.0.1:")  # the stack's own S3 endpoint
    # The browser's preflight for a PUT with a Content-Type, from the web client's origin.
    preflight = requests.options(
        url,
        headers={
            "Origin": api.base_url,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers.get("Access-Control-Allow-Origin") in ("*", api.base_url)
    put = requests.put(
        url, data=PDF, headers={"Content-Type": "application/pdf", "Origin": api.base_url}, timeout=30
    )
    assert put.status_code == 200, put.text
    shown = _certificate(api, user, created["external_credit_id"], wait=30)
    assert shown is not None, "the upload was not checked within 30 s"
    assert 0 < shown["expires_in"] <= 300
    file = requests.get(shown["url"], timeout=10)
    assert file.status_code == 200 and file.content == PDF
    assert file.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"GIF89a not a certificate", "application/pdf"),
        (PDF, "text/html"),
        (PDF + b"0" * (11 * 1024 * 1024), "application/pdf"),
    ],
    ids=["not-what-it-says", "another-type", "11-mb"],
)
def test_a_refused_upload_never_becomes_a_visible_certificate(
    api: Api, body: bytes, content_type: str
) -> None:
    user = f"uploader-{uuid.uuid4().hex[:10]}"
    created = _record(api, user)
    credit_id = created["external_credit_id"]
    put = requests.put(created["upload_url"], data=body, headers={"Content-Type": content_type}, timeout=60)
    assert put.status_code == 200
    # A good file for another credit, uploaded after: once it is shown, the refused one was judged.
    witness = _record(api, user)
    requests.put(witness["upload_url"], data=PDF, headers={"Content-Type": "application/pdf"}, timeout=30)
    assert _certificate(api, user, witness["external_credit_id"], wait=30) is not None
    assert _certificate(api, user, credit_id, wait=2) is None
    listed = expect(api.get("/me/external-credits", user=user), 200)["items"]
    assert {i["external_credit_id"] for i in listed} == {credit_id, witness["external_credit_id"]}


def test_the_seed_ran_whole_while_s3_s_test_event_woke_the_upload_poller(api: Api) -> None:
    """Setting the upload bucket's notification puts S3's test event on the upload queue at start:
    its poller then imports its handler while the seed's requests import theirs (which once gave
    the seed a half-imported Powertools, and the stack no demo data). The demo learner's last seeded
    step, her requirement sets, is there."""
    chosen = expect(api.get("/me/requirements", user="demo"), 200)["items"]
    assert [c["code"] for c in chosen] == ["ACEP_MEMBER", "ABP_MOC"]
    progress = expect(api.get("/me/requirements/progress", user="demo"), 200)["items"]
    assert [p["code"] for p in progress] == ["ACEP_MEMBER", "ABP_MOC"]
