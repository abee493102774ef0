"""Credit earned elsewhere (API.md, "Renewal"): recorded with a presigned PUT for its certificate file,
listed newest first, read with the file once it passed the checks on arrival, deleted with its file.
Uploads are judged when S3 announces them (the upload queue, delivered here as Lambda would): a file
over 10 MB, of another type, or not what it says is deleted and never becomes a visible certificate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from cme_ledger import clock
from cme_ledger.store import uploads
from tests.support import call, deliver

LEARNER = "learner-ext"
OTHER = "learner-other"
PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
BODY: dict[str, Any] = {
    "title": "Emergency Ultrasound Course",
    "provider": "Society of Point-of-Care Ultrasound",
    "credit_type": "AMA_PRA_1",
    "amount": 7.5,
    "completed_on": "2026-05-20",
}


@pytest.fixture(autouse=True)
def today(aws: Any) -> None:
    clock.set_clock(lambda: datetime(2026, 6, 15, 12, 0, tzinfo=UTC))


def record(user: str = LEARNER, **changes: Any) -> dict[str, Any]:
    reply = call("POST", "/me/external-credits", user=user, body={**BODY, **changes})
    assert reply.status == 201, reply
    return dict(reply.body)


def bucket(aws: Any) -> str:
    return str(aws.buckets["UploadBucket"])


def put(url: str, body: bytes, content_type: str) -> int:
    """The browser's PUT to the presigned URL (moto answers it in-process)."""
    return requests.put(url, data=body, headers={"Content-Type": content_type}, timeout=30).status_code


def certificate(user: str, external_credit_id: str) -> Any:
    reply = call("GET", f"/me/external-credits/{external_credit_id}", user=user)
    assert reply.status == 200, reply
    return reply.body["certificate"]


def test_recorded_credit_answers_with_the_body_and_a_presigned_put(aws: Any) -> None:
    created = record(topics=["ethics", "ethics"], live=True, credit_type="AMA_PRA_2")
    assert {k: created[k] for k in (*BODY, "topics", "live")} == {
        **BODY,
        "credit_type": "AMA_PRA_2",  # an outside-only type: external credit may carry it
        "topics": ["ethics"],
        "live": True,
    }
    assert created["external_credit_id"].startswith("ext-")
    assert created["upload_expires_in"] == 300
    query = parse_qs(urlsplit(created["upload_url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert urlsplit(created["upload_url"]).path.endswith(
        uploads.upload_key(LEARNER, created["external_credit_id"])
    )
    defaults = record()
    assert (defaults["topics"], defaults["live"]) == ([], False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 500.01}, "amount"),
        ({"amount": 1.234}, "amount"),
        ({"amount": "5"}, "amount"),
        ({"credit_type": "NOT_A_TYPE"}, "credit_type"),
        ({"completed_on": "2026-06-16"}, "completed_on"),  # tomorrow in the learner's zone (UTC)
        ({"completed_on": "2026-02-30"}, "completed_on"),
        ({"completed_on": "20260101"}, "completed_on"),
        ({"completed_on": "1899-12-31"}, "completed_on"),
        ({"topics": ["astrology"]}, "topics[0]"),
        ({"live": 1}, "live"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "Dr. \u202eevE"}, "title"),
        ({"provider": "line\nbreak"}, "provider"),
        ({"certificate": "x"}, "certificate"),
    ],
)
def test_invalid_credit_is_a_422_naming_the_field(aws: Any, changes: dict[str, Any], field: str) -> None:
    reply = call("POST", "/me/external-credits", user=LEARNER, body={**BODY, **changes})
    assert reply.status == 422, reply
    assert field in [d["field"] for d in reply.body["error"]["details"]]
    assert call("GET", "/me/external-credits", user=LEARNER).body["items"] == []


def test_today_is_the_learner_s_today(aws: Any) -> None:
    """At 2026-06-15T12:00Z it is already the 16th in Auckland: a credit completed then is allowed."""
    call("PUT", "/me", user=LEARNER, body={"display_name": "Dr. K", "time_zone": "Pacific/Auckland"})
    assert record(completed_on="2026-06-16")["completed_on"] == "2026-06-16"
    refused = call("POST", "/me/external-credits", user=LEARNER, body={**BODY, "completed_on": "2026-06-17"})
    assert refused.status == 422


def test_listing_is_newest_first_with_signed_cursors(aws: Any) -> None:
    ids = []
    for second in range(5):
        moment = datetime(2026, 6, 15, 12, 0, second, tzinfo=UTC)
        clock.set_clock(lambda moment=moment: moment)  # type: ignore[misc]
        ids.append(record(title=f"Course {second}")["external_credit_id"])
    record(user=OTHER)
    seen, cursor = [], None
    while True:
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        reply = call("GET", "/me/external-credits", user=LEARNER, query=query)
        assert reply.status == 200, reply
        assert len(reply.body["items"]) <= 2 and "certificate" not in reply.body["items"][0]
        seen += [i["external_credit_id"] for i in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
        stolen = call("GET", "/me/external-credits", user=OTHER, query={"cursor": cursor})
        assert stolen.status == 422 and stolen.body["error"]["details"][0]["field"] == "cursor"
    assert seen == ids[::-1]


def test_another_learner_s_credit_is_not_found_and_stays(aws: Any) -> None:
    theirs = record(user=OTHER)["external_credit_id"]
    for method in ("GET", "DELETE"):
        reply = call(method, f"/me/external-credits/{theirs}", user=LEARNER)
        assert reply.status == 404 and reply.body["error"]["code"] == "not_found"
    assert call("GET", f"/me/external-credits/{theirs}", user=OTHER).status == 200


def test_a_checked_upload_becomes_the_certificate(aws: Any) -> None:
    created = record()
    credit_id = created["external_credit_id"]
    assert certificate(LEARNER, credit_id) is None  # nothing uploaded yet
    assert put(created["upload_url"], PDF, "application/pdf") == 200
    assert certificate(LEARNER, credit_id) is None  # arrived, not checked yet: not shown
    deliver(aws, "UploadQueue")
    shown = certificate(LEARNER, credit_id)
    assert shown["expires_in"] == 300
    assert "versionId=" in shown["url"] and "response-content-type=application%2Fpdf" in shown["url"]
    assert requests.get(shown["url"], timeout=30).content == PDF


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PNG, "application/pdf"),  # not what it says
        (b"<html><script>alert(1)</script></html>", "text/html"),  # another type
        (PDF[:5] + b"0" * (11 * 1024 * 1024), "application/pdf"),  # 11 MB
        (b"", "application/pdf"),  # empty
    ],
    ids=["png-called-pdf", "html", "11-mb", "empty"],
)
def test_a_refused_upload_is_deleted_and_never_shown(aws: Any, body: bytes, content_type: str) -> None:
    created = record()
    key = uploads.upload_key(LEARNER, created["external_credit_id"])
    assert put(created["upload_url"], body, content_type) == 200  # a PUT cannot refuse it
    deliver(aws, "UploadQueue")
    assert certificate(LEARNER, created["external_credit_id"]) is None
    listed = boto3.client("s3").list_object_versions(Bucket=bucket(aws), Prefix=key)
    assert listed.get("Versions", []) == []  # its bytes are gone, not merely hidden


def test_a_bad_upload_after_a_good_one_leaves_the_good_one_shown(aws: Any) -> None:
    created = record()
    credit_id = created["external_credit_id"]
    put(created["upload_url"], PNG, "image/png")
    deliver(aws, "UploadQueue")
    first = certificate(LEARNER, credit_id)
    put(created["upload_url"], b"MZ\x90\x00 not a picture", "image/png")
    deliver(aws, "UploadQueue")
    again = certificate(LEARNER, credit_id)
    assert requests.get(again["url"], timeout=30).content == PNG
    assert (
        parse_qs(urlsplit(again["url"]).query)["versionId"]
        == parse_qs(urlsplit(first["url"]).query)["versionId"]
    )


def test_delete_removes_the_credit_and_every_version_of_its_file(aws: Any) -> None:
    created = record()
    credit_id = created["external_credit_id"]
    key = uploads.upload_key(LEARNER, credit_id)
    put(created["upload_url"], PDF, "application/pdf")
    put(created["upload_url"], PDF + b" ", "application/pdf")
    deliver(aws, "UploadQueue")
    reply = call("DELETE", f"/me/external-credits/{credit_id}", user=LEARNER)
    assert reply.status == 204 and reply.body is None
    assert call("GET", f"/me/external-credits/{credit_id}", user=LEARNER).status == 404
    assert call("DELETE", f"/me/external-credits/{credit_id}", user=LEARNER).status == 404
    s3 = boto3.client("s3")
    listed = s3.list_object_versions(Bucket=bucket(aws), Prefix=key)
    assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []
    # The presigned PUT still works for a few minutes: what arrives after the DELETE is removed.
    put(created["upload_url"], PDF, "application/pdf")
    deliver(aws, "UploadQueue")
    assert s3.list_object_versions(Bucket=bucket(aws), Prefix=key).get("Versions", []) == []


def test_the_upload_checker_ignores_what_is_not_an_upload(aws: Any) -> None:
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket=bucket(aws), Key="external/nobody/ext-unknown", Body=PDF, ContentType="application/pdf"
    )
    answers = deliver(aws, "UploadQueue")
    assert all(a == {"batchItemFailures": []} for a in answers)
    assert s3.list_object_versions(Bucket=bucket(aws), Prefix="external/nobody/").get("Versions", []) == []
