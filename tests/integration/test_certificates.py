"""Certificates through the real handlers under moto: render once, retry, dead letters, download, verify."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.exceptions import ClientError
from pypdf import PdfReader

from cme_ledger import runtime
from cme_ledger.services import certificates as certificates_service
from cme_ledger.store import claims as claim_store
from cme_ledger.store import objects
from infra import template as tpl
from infra.events import sqs_event
from infra.invoke import invoke
from tests.support import admin, build_credits, call, make_course, make_premium

LEARNER = "learner-cert"
OTHER = "learner-other"
VERIFY_FIELDS = {
    "valid",
    "status",
    "revoked_reason",
    "earned_from",
    "earned_to",
    "learner_name",
    "course_title",
    "credit_type",
    "credit_type_label",
    "credits",
    "claimed_at",
    "provider",
}


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    """Each test's moto backend gets clients made inside it."""
    runtime.reset()
    yield
    runtime.reset()


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


def sqs() -> Any:
    return boto3.client("sqs", region_name="us-east-1")


def record_credits(user_id: str, items: list[tuple[str, str, float, str]]) -> list[str]:
    """items: (course_id, topic, amount, earned_at); recorded through POST /admin/credits, 100 at a time."""
    ids: list[str] = []
    for start in range(0, len(items), 100):
        batch = [
            {
                "user_id": user_id,
                "course_id": course_id,
                "topic": topic,
                "amount": amount,
                "earned_at": earned_at,
                "source_id": f"src-{course_id}-{topic}"[:128],
            }
            for course_id, topic, amount, earned_at in items[start : start + 100]
        ]
        reply = admin("POST", "/admin/credits", body={"items": batch})
        assert reply.status == 201, reply
        ids.extend(item["credit_id"] for item in reply.body["items"])
    return ids


def seed_topics(user_id: str, items: list[tuple[str, str, str, str]]) -> None:
    """Many credits at once (batch writes, as tests.support.seed_credits), each with its own topic."""
    from datetime import datetime
    from decimal import Decimal

    for course_id, topic, amount, earned_at in items:
        build_credits(
            [(user_id, course_id, topic, Decimal(amount), f"seed-{course_id}-{topic}")],
            datetime.fromisoformat(earned_at.replace("Z", "+00:00")),
        )


def set_profile(user_id: str, name: str, degree: str) -> None:
    reply = call("PUT", "/me", user=user_id, body={"display_name": name, "degree": degree})
    assert reply.status == 200, reply


def claim_all(user_id: str = LEARNER, key: str = "k-1", credit_type: str = "AMA_PRA_1") -> dict[str, Any]:
    reply = call(
        "POST",
        "/claims",
        user=user_id,
        body={"credit_type": credit_type, "all": True},
        headers={"Idempotency-Key": key},
    )
    assert reply.status == 201, reply
    return dict(reply.body)


def receive(stack: Any, queue: str, visibility: int = 0) -> list[dict[str, Any]]:
    url = stack.queues[queue]["url"]
    got = sqs().receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=visibility, AttributeNames=["All"]
    )
    return list(got.get("Messages", []))


def deliver(stack: Any, queue: str, function: str, messages: list[dict[str, Any]]) -> list[str]:
    """Invoke `function` with the messages as Lambda's SQS poller would; delete the ones that succeeded.

    Returns the ids of the messages the batch reported as failed.
    """
    event = sqs_event(stack.queues[queue]["arn"], messages)
    result = invoke(tpl.functions()[function], event)
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    for message in messages:
        if message["MessageId"] not in failed:
            sqs().delete_message(QueueUrl=stack.queues[queue]["url"], ReceiptHandle=message["ReceiptHandle"])
    return failed


def render_queued(stack: Any) -> list[str]:
    """Deliver everything on the render queue to the worker once; the failed message ids."""
    messages = receive(stack, "RenderQueue")
    assert messages, "nothing on the render queue"
    return deliver(stack, "RenderQueue", "CertificateWorkerFunction", messages)


def claim_status(claim_id: str, user_id: str = LEARNER) -> dict[str, Any]:
    reply = call("GET", f"/claims/{claim_id}", user=user_id)
    assert reply.status == 200, reply
    return dict(reply.body)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def stored_pdf(stack: Any, claim_id: str, user_id: str = LEARNER) -> bytes:
    key = objects.certificate_key(user_id, claim_id)
    return bytes(s3().get_object(Bucket=stack.buckets["CertificateBucket"], Key=key)["Body"].read())


def versions(stack: Any, claim_id: str, user_id: str = LEARNER) -> int:
    key = objects.certificate_key(user_id, claim_id)
    listing = s3().list_object_versions(Bucket=stack.buckets["CertificateBucket"], Prefix=key)
    return len(listing.get("Versions", []))


@pytest.fixture
def stack(aws: Any) -> Any:
    """Given two courses, a premium learner with a name and degree, and credits in both courses."""
    # The template turns versioning on; the moto stack does not, so make it so here to count versions.
    s3().put_bucket_versioning(
        Bucket=aws.buckets["CertificateBucket"], VersioningConfiguration={"Status": "Enabled"}
    )
    make_course("zz", "Zoonoses Update", ["AMA_PRA_1"])
    make_course("em", "Emergency Medicine", ["AMA_PRA_1", "ACEP"])
    make_premium(LEARNER)
    set_profile(LEARNER, "Ada Quinn", "MD")
    record_credits(
        LEARNER,
        [
            ("zz", "Rabies after bat exposure", 1.5, "2026-02-01T10:00:00Z"),
            ("em", "Sepsis bundles", 1.0, "2026-01-10T10:00:00Z"),
            ("em", "Airway in trauma", 0.75, "2026-01-05T10:00:00Z"),
        ],
    )
    return aws


# ----------------------------------------------------------------------------- rendering


def test_worker_renders_the_claim_once_with_its_content(stack: Any) -> None:
    claim = claim_all()
    claim_id = claim["claim_id"]
    assert claim_status(claim_id)["status"] == "processing"

    assert render_queued(stack) == []

    view = claim_status(claim_id)
    assert view["status"] == "ready"
    data = stored_pdf(stack, claim_id)
    assert data.startswith(b"%PDF")
    assert view["sha256"] == hashlib.sha256(data).hexdigest()
    text = pdf_text(data)
    assert "Ada Quinn, MD" in text
    # One certificate per course, in title order; topics oldest first.
    assert text.index("Emergency Medicine") < text.index("Zoonoses Update")
    assert (
        text.index("Airway in trauma")
        < text.index("Sepsis bundles")
        < text.index("Rabies after bat exposure")
    )
    assert "1.75" in text and "1.50" in text
    assert "AMA PRA Category 1 Credit" in text
    for cert in claim["certificates"]:
        assert cert["certificate_code"] in text
    assert "PREVIEW" not in text
    # Out of the render work queue: recovery has nothing to re-queue.
    stored = claim_store.get_claim(LEARNER, claim_id)
    assert stored is not None and not stored.render_queued and stored.pdf_key


def test_duplicate_message_writes_nothing_new(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    claim_id = claim_all()["claim_id"]
    message = receive(stack, "RenderQueue", visibility=60)
    assert deliver(stack, "RenderQueue", "CertificateWorkerFunction", message) == []
    first = claim_status(claim_id)["sha256"]

    puts: list[str] = []
    real_put = objects.put_once

    def counted(key: str, body: bytes, **kwargs: Any) -> bool:
        puts.append(key)
        return real_put(key, body, **kwargs)

    monkeypatch.setattr(objects, "put_once", counted)
    # The same message delivered again (at least once delivery), and a ready claim's message too.
    assert deliver(stack, "RenderQueue", "CertificateWorkerFunction", message) == []
    assert puts == []
    assert versions(stack, claim_id) == 1
    assert claim_status(claim_id)["sha256"] == first


def test_object_already_stored_is_kept_and_bookkeeping_finished(stack: Any) -> None:
    """A worker that died after the S3 write: the next one keeps those bytes and marks the claim ready."""
    claim_id = claim_all()["claim_id"]
    key = objects.certificate_key(LEARNER, claim_id)
    earlier = b"%PDF-1.4 written by a worker that died before updating the claim"
    assert objects.put_once(key, earlier)
    assert objects.put_once(key, b"%PDF-1.4 other") is False

    assert render_queued(stack) == []
    assert claim_status(claim_id)["sha256"] == hashlib.sha256(earlier).hexdigest()
    assert versions(stack, claim_id) == 1


def test_s3_error_fails_only_that_record_and_the_retry_succeeds(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = claim_all(key="k-a")["claim_id"]
    record_credits(LEARNER, [("zz", "Later topic", 2.0, "2026-03-01T10:00:00Z")])
    second = claim_all(key="k-b")["claim_id"]
    messages = receive(stack, "RenderQueue")
    assert len(messages) == 2
    failing = next(m for m in messages if json.loads(m["Body"])["claim_id"] == first)

    real_put = objects.put_once
    calls = {"n": 0}

    def flaky(key: str, body: bytes, **kwargs: Any) -> bool:
        calls["n"] += 1
        if first in key and calls["n"] <= 2:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PutObject")
        return real_put(key, body, **kwargs)

    monkeypatch.setattr(objects, "put_once", flaky)
    failed = deliver(stack, "RenderQueue", "CertificateWorkerFunction", messages)
    assert failed == [failing["MessageId"]]
    assert claim_status(first)["status"] == "processing"
    assert claim_status(second)["status"] == "ready"

    # SQS makes it visible again; the retry renders it.
    monkeypatch.setattr(objects, "put_once", real_put)
    assert render_queued(stack) == []
    assert claim_status(first)["status"] == "ready"
    assert versions(stack, first) == 1


def test_render_that_keeps_failing_is_dead_lettered_then_rerendered(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim_id = claim_all()["claim_id"]

    def broken(_document: Any) -> bytes:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(certificates_service, "_render", broken)
    # The queue's redrive policy (maxReceiveCount 5) moves the message on the 6th receive.
    for _ in range(5):
        messages = receive(stack, "RenderQueue")
        assert len(messages) == 1
        assert deliver(stack, "RenderQueue", "CertificateWorkerFunction", messages) == [
            messages[0]["MessageId"]
        ]
    assert receive(stack, "RenderQueue") == []
    dead = receive(stack, "RenderDeadLetterQueue")
    assert len(dead) == 1
    assert deliver(stack, "RenderDeadLetterQueue", "RenderDeadLetterFunction", dead) == []
    view = claim_status(claim_id)
    assert view["status"] == "failed" and view["sha256"] is None
    listing = call("GET", "/claims", user=LEARNER)
    assert listing.body["items"][0]["status"] == "failed"
    assert call("GET", f"/claims/{claim_id}/certificate", user=LEARNER).error_code == "certificate_not_ready"

    # Fixed; re-driven (what `cme rerender` calls).
    monkeypatch.undo()
    assert certificates_service.rerender(LEARNER, claim_id) is True
    assert claim_status(claim_id)["status"] == "processing"
    assert render_queued(stack) == []
    assert claim_status(claim_id)["status"] == "ready"
    # A late dead letter for a claim that has rendered changes nothing.
    assert certificates_service.mark_failed(LEARNER, claim_id) is False
    assert certificates_service.rerender(LEARNER, claim_id) is False


def test_malformed_and_unknown_messages_are_dropped(stack: Any) -> None:
    bodies = [
        "not json",
        json.dumps({"user_id": LEARNER}),
        json.dumps({"user_id": LEARNER, "claim_id": "cl_nope"}),
    ]
    url = stack.queues["RenderQueue"]["url"]
    for body in bodies:
        sqs().send_message(QueueUrl=url, MessageBody=body)
    assert render_queued(stack) == []


# make test: 4 courses of 30 topics (2 transactions, each course over a page); make test-slow: 20 courses of
# 50 (1,000 topics, 11 transactions, nearly all of its ~20 s moto applying them). Render times: make bench.
@pytest.mark.parametrize(
    ("courses", "topics"), [(4, 30), pytest.param(20, 50, marks=pytest.mark.slow, id="20-50")]
)
def test_large_claim_renders_every_topic(stack: Any, courses: int, topics: int) -> None:
    user = "learner-big"
    make_premium(user)
    set_profile(user, "Bo Large", "DO")
    course_ids = [f"c{n:02d}" for n in range(courses)]
    for n, course_id in enumerate(course_ids):
        make_course(course_id, f"Course {courses - 1 - n:02d}", ["AMA_PRA_1"])
    items = [
        (course_id, f"T{n:02d}-{i:02d} topic", "0.25", f"2026-01-{1 + i % 28:02d}T10:00:00Z")
        for n, course_id in enumerate(course_ids)
        for i in range(topics)
    ]
    seed_topics(user, items)
    claim = claim_all(user_id=user, key="big")
    assert sum(len(c["topics"]) for c in claim["certificates"]) == courses * topics

    assert render_queued(stack) == []
    view = claim_status(claim["claim_id"], user)
    assert view["status"] == "ready"
    pdf = stored_pdf(stack, claim["claim_id"], user)
    text = pdf_text(pdf)
    assert all(topic in text for _, topic, _, _ in items)
    positions = [text.index(f"Course {k:02d}") for k in range(courses)]
    assert positions == sorted(positions)
    assert text.count(f"{topics * 0.25:.2f}") >= courses
    assert len(PdfReader(io.BytesIO(pdf)).pages) > courses  # long topic lists flow over several pages


# ----------------------------------------------------------------------------- download


def test_download_before_ready_then_presigned_url(stack: Any) -> None:
    claim_id = claim_all()["claim_id"]
    early = call("GET", f"/claims/{claim_id}/certificate", user=LEARNER)
    assert early.status == 409 and early.error_code == "certificate_not_ready"
    render_queued(stack)

    reply = call("GET", f"/claims/{claim_id}/certificate", user=LEARNER)
    assert reply.status == 200
    assert set(reply.body) == {"url", "expires_in"}
    assert 0 < reply.body["expires_in"] <= 300
    params = parse_qs(urlparse(reply.body["url"]).query)
    assert params["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(params["X-Amz-Expires"][0]) <= 300
    assert urlparse(reply.body["url"]).path.endswith(f"certificates/{LEARNER}/{claim_id}.pdf")

    redirect = call("GET", f"/claims/{claim_id}/certificate", user=LEARNER, query={"redirect": "true"})
    assert redirect.status == 303
    location = redirect.headers["location"]
    assert parse_qs(urlparse(location).query)["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]

    # Another learner: as if it did not exist.
    other = call("GET", f"/claims/{claim_id}/certificate", user=OTHER)
    assert other.status == 404 and other.error_code == "not_found"
    assert call("GET", "/claims/cl_unknown/certificate", user=LEARNER).status == 404
    assert call("GET", f"/claims/{claim_id}/certificate", user=None).status == 401


# ----------------------------------------------------------------------------- verification


def test_verify_known_and_unknown_codes(stack: Any) -> None:
    claim = claim_all()
    em = next(c for c in claim["certificates"] if c["course_id"] == "em")
    code = em["certificate_code"]

    reply = call("GET", f"/verify/{code}", user=None)
    assert reply.status == 200
    assert set(reply.body) == VERIFY_FIELDS
    em_dates = sorted(t["earned_at"] for t in em["topics"])
    assert reply.body == {
        "valid": True,
        "status": "active",
        "revoked_reason": None,
        "earned_from": em_dates[0],
        "earned_to": em_dates[-1],
        "learner_name": "Ada Quinn",
        "course_title": "Emergency Medicine",
        "credit_type": "AMA_PRA_1",
        "credit_type_label": "AMA PRA Category 1 Credit™",
        "credits": 1.75,
        "claimed_at": claim["claimed_at"],
        "provider": "CME Ledger Academy",
    }
    # Case and separators do not matter (codes are read aloud and typed).
    sloppy = code.lower().replace("-", " ")
    assert call("GET", f"/verify/{sloppy}", user=None).status == 200

    for unknown in ("AAAA-BBBB-CCCC-DDDD-EEEE", "x", "-" * 30, "A" * 500):
        miss = call("GET", f"/verify/{unknown}", user=None)
        assert miss.status == 404 and miss.error_code == "not_found", unknown


# ----------------------------------------------------------------------------- preview


def test_preview_renders_a_marked_pdf_and_claims_nothing(stack: Any) -> None:
    before = call("GET", "/credits", user=LEARNER).body
    reply = call("POST", "/claims/preview", user=LEARNER, body={"all": True})
    assert reply.status == 200, reply
    body = reply.body
    assert body["display_name"] == "Ada Quinn" and body["degree"] == "MD"
    assert body["total"] == 3.25
    assert [c["course_title"] for c in body["certificates"]] == ["Emergency Medicine", "Zoonoses Update"]
    url = body["preview_url"]
    params = parse_qs(urlparse(url).query)
    assert params["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(params["X-Amz-Expires"][0]) <= 300
    key = urlparse(url).path.split(f"/{stack.buckets['CertificateBucket']}/", 1)[-1].lstrip("/")
    assert key.startswith(f"previews/{LEARNER}/")
    data = bytes(s3().get_object(Bucket=stack.buckets["CertificateBucket"], Key=key)["Body"].read())
    text = pdf_text(data)
    assert "PREVIEW" in text and "Sepsis bundles" in text and "Ada Quinn" in text

    assert call("GET", "/credits", user=LEARNER).body == before
    assert call("GET", "/claims", user=LEARNER).body["items"] == []
    assert receive(stack, "RenderQueue") == []


def test_preview_refusals_are_those_of_a_claim(stack: Any) -> None:
    make_course("solo", "Solo", ["AMA_PRA_1"])
    no_membership = call("POST", "/claims/preview", user=OTHER, body={"all": True})
    assert no_membership.status == 403 and no_membership.error_code == "membership_required"
    claim_all()
    nothing = call("POST", "/claims/preview", user=LEARNER, body={"all": True})
    assert nothing.status == 409 and nothing.error_code == "nothing_to_claim"
    bad = call("POST", "/claims/preview", user=LEARNER, body={"all": True, "extra": 1})
    assert bad.status == 422 and bad.error_code == "validation_error"
    assert call("POST", "/claims/preview", user=None, body={"all": True}).status == 401
