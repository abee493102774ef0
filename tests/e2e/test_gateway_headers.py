"""Header values as API Gateway reads them: the whitespace around a value is not part of it."""

from __future__ import annotations

import http.client
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.stack import Api, LocalStackProcess, expect, token

pytestmark = pytest.mark.e2e


def _raw_post(url: str, path: str, headers: list[tuple[str, str]], body: dict[str, Any]) -> tuple[int, Any]:
    """A request whose header values are sent byte for byte (requests refuses leading whitespace)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.putrequest("POST", path)
        for name, value in [*headers, ("Content-Type", "application/json")]:
            connection.putheader(name, value)
        data = json.dumps(body).encode()
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        connection.close()


def test_an_idempotency_key_is_read_without_the_whitespace_around_it(
    api: Api, local_stack: LocalStackProcess
) -> None:
    user = f"learner-{uuid.uuid4().hex[:10]}"
    course_id = f"e2e-{uuid.uuid4().hex[:8]}"
    expect(
        api.put(
            f"/admin/courses/{course_id}",
            user="e2e-admin",
            admin=True,
            json={"title": "Headers", "provider": "P", "credit_types": ["AMA_PRA_1"]},
        ),
        200,
    )
    expect(
        api.put(
            f"/admin/members/{user}/membership",
            user="e2e-admin",
            admin=True,
            json={"premium_until": "2099-01-01T00:00:00Z"},
        ),
        200,
    )
    expect(
        api.post(
            "/admin/credits",
            user="e2e-admin",
            admin=True,
            json={
                "items": [
                    {"user_id": user, "course_id": course_id, "topic": "T", "amount": 1, "source_id": "s"}
                ]
            },
        ),
        201,
    )
    bearer = f"Bearer {token(user)}"
    status, first = _raw_post(
        local_stack.url, "/claims", [("Authorization", bearer), ("Idempotency-Key", "  k5 \t")], {"all": True}
    )
    assert status == 201, first
    status, again = _raw_post(
        local_stack.url, "/claims", [("Authorization", bearer), ("Idempotency-Key", "k5")], {"all": True}
    )
    assert status == 201, again
    assert again["claim_id"] == first["claim_id"]
