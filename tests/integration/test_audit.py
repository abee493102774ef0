"""The audit finds what breaks an invariant, and nothing on a healthy ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from cme_ledger import clock
from cme_ledger.services import certificates
from cme_ledger.services.audit import audit
from cme_ledger.store import keys
from cme_ledger.store.db import client, table_name
from tests.support import call, make_course, make_premium, seed_credits

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
