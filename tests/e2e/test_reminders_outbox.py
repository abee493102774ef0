"""Reminders on the running local stack: the admin route sends through moto's SES, `cme outbox`
shows the message (API.md's local tooling)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.stack import Api, LocalStackProcess, expect, token

pytestmark = pytest.mark.e2e


def test_a_reminder_is_sent_and_cme_outbox_shows_it(api: Api, local_stack: LocalStackProcess) -> None:
    user = f"remind-{uuid.uuid4().hex[:10]}"
    address = f"{user}@example.org"
    course_id = f"e2e-{uuid.uuid4().hex[:8]}"
    admin = {"user": "e2e-admin", "admin": True}
    course = {"title": "Reminder Rounds", "provider": "E2E", "credit_types": ["AMA_PRA_1"]}
    expect(api.put(f"/admin/courses/{course_id}", json=course, **admin), 200)
    # Signing in with an email claim keeps the address on the profile.
    headers = {"Authorization": f"Bearer {token(user, name='Dr. Remind', email=address)}"}
    me = expect(api.request("GET", "/me", headers=headers), 200)
    assert me["reminders"] is True
    expect(api.request("PUT", "/me", headers=headers, json={"display_name": "Dr. Remind"}), 200)
    earned = datetime.now(UTC).replace(microsecond=0) - timedelta(
        days=3 * 365 - 5
    )  # expires in about 4-5 days
    item = {
        "user_id": user,
        "course_id": course_id,
        "topic": "Soon gone",
        "amount": 2,
        "source_id": "s1",
        "earned_at": earned.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    expect(api.post("/admin/credits", json={"items": [item]}, **admin), 201)
    ran = expect(api.post("/admin/reminders/run", **admin), 200)
    assert ran["emails"] >= 1 and ran["credits_read"] >= 1
    result = local_stack.cli("outbox", "--to", address)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    message = json.loads(line)
    assert set(message) == {"to", "subject", "sent_at", "text"}
    assert message["to"] == address and message["sent_at"]
    assert "Reminder Rounds: 2 credits" in message["text"] and "Dear Dr. Remind," in message["text"]
    # Run again: nothing new fell due, nobody is told twice.
    expect(api.post("/admin/reminders/run", **admin), 200)
    assert len(local_stack.cli("outbox", "--to", address).stdout.splitlines()) == 1
