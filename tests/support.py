"""Test helpers: the template's functions invoked with real API Gateway HTTP API events."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from infra import template as tpl
from infra.events import http_event
from infra.invoke import invoke


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None


def claims_for(user_id: str, *, admin: bool = False, name: str | None = None) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user_id, "iss": "local", "token_use": "access"}
    if admin:
        claims["cognito:groups"] = "[admin]"
    if name is not None:
        claims["name"] = name
    return claims


# Powertools' resolver keeps the request it is resolving in a class attribute (BaseRouter.current_event)
# that every resolver in the process shares: two threads inside handlers at once can each read the
# other's request. Lambda runs one event per container, and so does each worker process of the local
# stack (infra/localstack/pool.py); in process, a test that wants concurrency goes over HTTP to the
# served stack or drives the domain's use cases from threads
# (tests/reliability/test_claim_concurrency.py).
_handler_busy = threading.RLock()  # re-entered by the same thread (a fault hook that claims) is fine


class ConcurrentHandlerCall(RuntimeError):
    """call() entered by a thread while another thread's call() is still running."""


def call(
    method: str,
    path: str,
    *,
    user: str | None = "learner-1",
    admin: bool = False,
    name: str | None = None,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Route as API Gateway would (by the template), then invoke the real handler.

    One thread in handlers at a time: another thread's call meanwhile raises ConcurrentHandlerCall.
    """
    found = tpl.select(method, path, tpl.routes())
    if isinstance(found, list):
        raise AssertionError(f"no route {method} {path} in template.yaml")
    route, params = found
    function = tpl.functions()[route.function]
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    hdrs = {"content-type": "application/json", **(headers or {})}
    q = {k: str(v) for k, v in (query or {}).items()}
    event = http_event(
        method,
        path,
        route.route_key,
        path_parameters=params or None,
        query=q or None,
        raw_query=urlencode(q),
        headers=hdrs,
        body=text,
        claims=claims_for(user, admin=admin, name=name) if user else None,
    )
    if not _handler_busy.acquire(blocking=False):
        raise ConcurrentHandlerCall(
            "API handlers from two threads at once would share Powertools' current event; "
            "drive concurrency through the domain functions"
        )
    try:
        result = invoke(function, event)
    finally:
        _handler_busy.release()
    raw = result.get("body") or ""
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return Reply(
        int(result["statusCode"]), parsed, {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    )


def admin(method: str, path: str, **kwargs: Any) -> Reply:
    return call(method, path, user="staff-1", admin=True, **kwargs)


def make_course(
    course_id: str = "em", title: str = "Emergency Medicine", types: list[str] | None = None
) -> None:
    body: dict[str, Any] = {
        "title": title,
        "provider": "CME Ledger Academy",
        "credit_types": types or ["AMA_PRA_1", "ACEP"],
    }
    if "ABP_MOC_2" in body["credit_types"]:
        body["pars_activity_id"] = f"PARS-{course_id}"
    reply = admin("PUT", f"/admin/courses/{course_id}", body=body)
    assert reply.status == 200, reply


def make_premium(user_id: str, until: str = "2099-01-01T00:00:00Z") -> None:
    reply = admin("PUT", f"/admin/members/{user_id}/membership", body={"premium_until": until})
    assert reply.status == 200, reply


def seed_credits(
    user_id: str, course_id: str, count: int, amount: str = "1.00", earned_at: str = "2026-01-15T10:00:00Z"
) -> list[str]:
    """Many credits at once (batch writes), built by the same domain code as POST /admin/credits."""
    from datetime import datetime
    from decimal import Decimal

    built = build_credits(
        [
            (user_id, course_id, f"Topic {i:05d}", Decimal(amount), f"seed-{user_id}-{i}")
            for i in range(count)
        ],
        datetime.fromisoformat(earned_at.replace("Z", "+00:00")),
    )
    return [c.credit_id for c in built]


def build_credits(items: list[tuple[str, str, str, Any, str]], earned_at: Any, now: Any = None) -> list[Any]:
    """Credits (user, course, topic, amount, source id) built by the same domain code as POST
    /admin/credits and written in batches: seeding thousands takes seconds."""
    import secrets

    from cme_ledger import clock
    from cme_ledger.domain.credits import NewCredit, build_credit
    from cme_ledger.services.catalog import courses_by_id
    from cme_ledger.store import credits as credit_store

    courses = courses_by_id()
    at = now or clock.now()
    built = [
        build_credit(
            NewCredit(user, course, topic, amount, source, earned_at),
            courses[course],
            at,
            secrets.token_hex(5),
        )
        for user, course, topic, amount, source in items
    ]
    credit_store.save_all(built)
    return built


def claimable_totals(user_id: str) -> dict[str, dict[str, Any]]:
    """credit id -> claimable per type, as the learner sees it."""
    seen: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 200}
        if cursor:
            query["cursor"] = cursor
        reply = call("GET", "/credits", user=user_id, query=query)
        assert reply.status == 200, reply
        for item in reply.body["items"]:
            seen[item["credit_id"]] = item["claimable"]
        cursor = reply.body["next_cursor"]
        if not cursor:
            return seen


def deliver(stack: Any, queue_id: str) -> list[Any]:
    """Deliver what waits on a queue of the template to the function subscribed to it, as Lambda's
    poller does (one batch per receive), until the queue is empty; the handlers' answers."""
    import boto3

    from infra.events import sqs_event

    queue = stack.queues[queue_id]
    [function] = [f for f in tpl.functions().values() if any(q == queue_id for q, _ in f.queues)]
    sqs = boto3.client("sqs", region_name="us-east-1")
    answers: list[Any] = []
    while True:
        received = sqs.receive_message(QueueUrl=queue["url"], MaxNumberOfMessages=10)
        messages: list[dict[str, Any]] = [dict(m) for m in received.get("Messages", [])]
        if not messages:
            return answers
        answers.append(invoke(function, sqs_event(queue["arn"], messages)))
        for message in messages:
            sqs.delete_message(QueueUrl=queue["url"], ReceiptHandle=message["ReceiptHandle"])
