"""A claim end to end on the local stack: HTTP, the render queue delivered to the worker, a presigned GET."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import pytest
import requests

from tests.stack import Api, expect

pytestmark = pytest.mark.e2e


def _wait_ready(api: Api, user: str, claim_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        claim = expect(api.get(f"/claims/{claim_id}", user=user), 200)
        if claim["status"] != "processing" or time.monotonic() > deadline:
            return dict(claim)
        time.sleep(0.25)


def test_a_claim_is_rendered_through_the_queue_and_downloaded(api: Api) -> None:
    user = f"claimer-{uuid.uuid4().hex[:10]}"
    course_id = f"e2e-{uuid.uuid4().hex[:8]}"
    admin: dict[str, Any] = {"user": "e2e-admin", "admin": True}
    course = {"title": "Queue Delivery 101", "provider": "E2E Provider", "credit_types": ["AMA_PRA_1"]}
    expect(api.put(f"/admin/courses/{course_id}", json=course, **admin), 200)
    items = [
        {
            "user_id": user,
            "course_id": course_id,
            "topic": f"Topic {i}",
            "amount": 0.5,
            "earned_at": f"2026-03-0{i + 1}T09:00:00Z",
            "source_id": f"flow-{i}",
        }
        for i in range(3)
    ]
    expect(api.post("/admin/credits", json={"items": items}, **admin), 201)
    membership = {"premium_until": "2099-01-01T00:00:00Z"}
    expect(api.put(f"/admin/members/{user}/membership", json=membership, **admin), 200)
    expect(api.put("/me", user=user, json={"display_name": "Flow Tester", "degree": "MD"}), 200)

    created = expect(
        api.post(
            "/claims",
            user=user,
            json={"credit_type": "AMA_PRA_1", "all": True},
            headers={"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        ),
        201,
    )
    assert created["status"] == "processing"

    claim = _wait_ready(api, user, created["claim_id"])
    assert claim["status"] == "ready", f"not rendered: {claim}"
    download = expect(api.get(f"/claims/{claim['claim_id']}/certificate", user=user), 200)
    assert 0 < download["expires_in"] <= 300
    pdf = requests.get(download["url"], timeout=10)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == claim["sha256"]

    # Another learner gets 404 for it, as if it did not exist.
    other = api.get(f"/claims/{claim['claim_id']}/certificate", user=f"other-{uuid.uuid4().hex[:8]}")
    assert other.status_code == 404
