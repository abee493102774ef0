"""A learner whose name is not in Latin script: the preview, the rendered certificate and the
verify answer all give the name exactly as the learner entered it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest

from cme_ledger.services import certificates
from cme_ledger.store import objects
from tests.support import admin, call, make_course, make_premium

LEARNER = "learner-names"


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    objects.reset_clients()
    yield
    objects.reset_clients()


def pdftotext(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: make system-deps")
    result = subprocess.run(  # noqa: S603 - fixed argv
        [tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return re.sub("[\u202a-\u202e]", "", result.stdout.decode("utf-8"))  # poppler's RTL run marks


def stored(bucket: str, key: str) -> bytes:
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=key)["Body"]
    return bytes(body.read())


@pytest.mark.parametrize("name", ["فاطمة الزهراء", "王小明", "अनन्या शर्मा", "Łukasz Żółkiewski"])
def test_preview_certificate_and_verify_agree_on_the_name(aws: Any, name: str) -> None:
    bucket = aws.buckets["CertificateBucket"]
    make_course("em", "Emergency Medicine", ["AMA_PRA_1"])
    make_premium(LEARNER)
    assert call("PUT", "/me", user=LEARNER, body={"display_name": name, "degree": "MD"}).status == 200
    recorded = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": LEARNER,
                    "course_id": "em",
                    "topic": "Sepsis bundles",
                    "amount": 1.5,
                    "earned_at": "2026-01-10T10:00:00Z",
                    "source_id": "src-1",
                }
            ]
        },
    )
    assert recorded.status == 201, recorded

    preview = call("POST", "/claims/preview", user=LEARNER, body={"all": True})
    assert preview.status == 200, preview
    assert preview.body["display_name"] == name
    preview_key = urlparse(preview.body["preview_url"]).path.split(f"/{bucket}/", 1)[-1].lstrip("/")
    assert name in pdftotext(stored(bucket, preview_key))

    claim = call("POST", "/claims", user=LEARNER, body={"all": True}, headers={"Idempotency-Key": "k-1"})
    assert claim.status == 201, claim
    claim_id = claim.body["claim_id"]
    assert certificates.render_claim(LEARNER, claim_id) in ("rendered", "stored")
    rendered = pdftotext(stored(bucket, objects.certificate_key(LEARNER, claim_id)))
    assert name in rendered and "PREVIEW" not in rendered

    code = claim.body["certificates"][0]["certificate_code"]
    verified = call("GET", f"/verify/{code}", user=None)
    assert verified.status == 200, verified
    assert verified.body["learner_name"] == name
    assert code in rendered
