"""The audit finds what breaks an invariant, and nothing on a healthy ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from cme_ledger import clock
from cme_ledger.services import audit as audit_service
from cme_ledger.services import certificates
from cme_ledger.services.audit import audit
from cme_ledger.store import keys, uploads
from cme_ledger.store.db import client, table_name
from tests.support import call, deliver, make_course, make_premium, seed_credits

LEARNER = "learner-a"


def _claim(aws: Any) -> dict[str, Any]:
    make_course()
    make_premium(LEARNER)
    seed_credits(LEARNER, "em", 3)
    reply = call("POST", "/claims", user=LEARNER, body={"all": True})
    assert reply.status == 201
    return dict(reply.body)


def test_rendered_claim_is_clean_and_a_changed_pdf_is_found(aws: Any) -> None:
    made = _claim(aws)
    assert certificates.render_claim(LEARNER, made["claim_id"]) in ("rendered", "stored")
    assert audit() == []
    bucket = next(iter(aws.buckets.values()))
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=bucket, Key=f"certificates/{LEARNER}/{made['claim_id']}.pdf", Body=b"%PDF-forged"
    )
    assert any("SHA-256" in p for p in audit())


def test_unrendered_claim_after_the_grace_is_reported(aws: Any) -> None:
    made = _claim(aws)
    assert audit() == []
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=10))
    assert any(made["claim_id"] in p and "no certificate" in p for p in audit())


def test_confirmed_audit_leaves_out_work_that_lands_between_its_reads_and_keeps_what_lasts(
    aws: Any, monkeypatch: Any
) -> None:
    """`cme audit` on a live system: a claim rendered while the audit reads is not a violation."""
    made = _claim(aws)
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=10))  # past the render grace: it counts
    assert any(made["claim_id"] in p for p in audit())
    reads: list[int] = []
    real_read = audit_service.read_ledger

    def read_then_render() -> Any:
        ledger = real_read()
        reads.append(1)
        if len(reads) == 1:  # the render lands after the first read, before the second
            certificates.render_claim(LEARNER, made["claim_id"])
        return ledger

    monkeypatch.setattr(audit_service, "read_ledger", read_then_render)
    assert audit(confirm=True) == []
    assert len(reads) == 2
    # A lasting violation is found by both reads and reported.
    bucket = next(iter(aws.buckets.values()))
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=bucket, Key=f"certificates/{LEARNER}/{made['claim_id']}.pdf", Body=b"%PDF-forged"
    )
    reads.clear()
    problems = audit(confirm=True)
    assert len(reads) == 2 and any("SHA-256" in p for p in problems), problems


def test_tampered_claimed_total_is_reported(aws: Any) -> None:
    made = _claim(aws)
    credit_id = made["certificates"][0]["topics"][0]["credit_id"]
    client().update_item(
        TableName=table_name(),
        Key={"pk": {"S": keys.user_pk(LEARNER)}, "sk": {"S": keys.credit_sk(credit_id)}},
        UpdateExpression="SET claimed.#t = :v",
        ExpressionAttributeNames={"#t": "AMA_PRA_1"},
        ExpressionAttributeValues={":v": {"N": "5"}},
    )
    problems = audit()
    assert any(credit_id in p and "exceeds" in p for p in problems)
    assert any(credit_id in p and "sum of claim lines" in p for p in problems)


# ---------------------------------------------------------------------- renewal (issue 17)

PDF = b"%PDF-1.7\n%%EOF\n"


def _external_credit(user: str = LEARNER) -> dict[str, Any]:
    body = {
        "title": "Ultrasound",
        "provider": "Elsewhere",
        "credit_type": "AMA_PRA_1",
        "amount": 2,
        "completed_on": "2026-01-01",
    }
    reply = call("POST", "/me/external-credits", user=user, body=body)
    assert reply.status == 201, reply
    return dict(reply.body)


def _later(minutes: int) -> None:
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=minutes))


def test_a_checked_upload_is_clean_and_an_unchecked_one_is_reported_after_the_grace(aws: Any) -> None:
    checked, unchecked = _external_credit(), _external_credit()
    s3 = boto3.client("s3", region_name="us-east-1")
    for made in (checked, unchecked):
        s3.put_object(
            Bucket=aws.buckets["UploadBucket"],
            Key=uploads.upload_key(LEARNER, made["external_credit_id"]),
            Body=PDF,
            ContentType="application/pdf",
        )
    # Only the first upload's S3 event is delivered: the second's is lost.
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = aws.queues["UploadQueue"]["url"]
    events = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    lost = [m for m in events if unchecked["external_credit_id"] in m["Body"]]
    for message in lost:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    sqs.change_message_visibility_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(events)
            if m not in lost
        ],
    )
    deliver(aws, "UploadQueue")
    assert audit() == []  # the unchecked one is young: its check may still come
    _later(15)
    problems = audit()
    assert len(problems) == 1 and unchecked["external_credit_id"] in problems[0], problems
    assert "not the checked certificate" in problems[0]


def test_a_file_left_by_a_deleted_credit_and_a_set_dropped_from_the_data_are_reported(
    aws: Any, monkeypatch: Any
) -> None:
    made = _external_credit()
    assert call("DELETE", f"/me/external-credits/{made['external_credit_id']}", user=LEARNER).status == 204
    # A file that outlived its credit (its removal failed): what DELETE and the checker prevent.
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=aws.buckets["UploadBucket"],
        Key=uploads.upload_key(LEARNER, made["external_credit_id"]),
        Body=PDF,
        ContentType="application/pdf",
    )
    chosen = {"items": [{"code": "ABIM_MOC", "cycle_start": "2024-01-01"}]}
    assert call("PUT", "/me/requirements", user=LEARNER, body=chosen).status == 200
    monkeypatch.setattr("cme_ledger.services.audit.requirement_sets", lambda: {"CA_MD": None})
    _later(15)
    problems = audit()
    assert any(made["external_credit_id"] in p for p in problems), problems
    assert any("ABIM_MOC" in p and "no longer has" in p for p in problems), problems
