"""The local stack over real HTTP: routing, the JWT authorizer, the error envelope, CORS, isolation."""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests

from infra import template as tpl
from tests.stack import ROOT, Api, LocalStackProcess, error_code, expect

pytestmark = pytest.mark.e2e


def _user(prefix: str = "learner") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _course(api: Api, course_id: str, credit_types: list[str] | None = None) -> dict[str, Any]:
    body = {
        "title": f"Course {course_id}",
        "provider": "E2E Provider",
        "credit_types": credit_types or ["AMA_PRA_1"],
    }
    return expect(api.put(f"/admin/courses/{course_id}", user="e2e-admin", admin=True, json=body), 200)


def _record(
    api: Api, user: str, course_id: str, amounts: list[str], prefix: str = "src"
) -> list[dict[str, Any]]:
    items = [
        {
            "user_id": user,
            "course_id": course_id,
            "topic": f"Topic {i}",
            "amount": float(amount),
            "earned_at": f"2026-0{1 + i % 9}-1{i % 10}T10:00:00Z",
            "source_id": f"{prefix}-{i}",
        }
        for i, amount in enumerate(amounts)
    ]
    answer = expect(api.post("/admin/credits", user="e2e-admin", admin=True, json={"items": items}), 201)
    return list(answer["items"])


# ---------------------------------------------------------------------- public routes


def test_health(api: Api, local_stack: LocalStackProcess) -> None:
    assert expect(api.get("/health"), 200) == {"status": "ok"}
    # Recorded for the report: how long the subprocess took to answer, seed included.
    print(f"local stack ready in {local_stack.startup_seconds:.2f} s")


def test_openapi_document(api: Api) -> None:
    document = expect(api.get("/openapi.json"), 200)
    assert document["openapi"].startswith("3.")
    assert "/health" in document["paths"]


def test_every_template_route_is_served(api: Api) -> None:
    """The template is the source of truth: each route is served; only the public ones skip the authorizer."""
    routes = tpl.routes()
    assert routes, "no HttpApi route found in template.yaml: nothing would be checked"
    for route in routes:
        path = route.path.replace("{", "").replace("}", "")  # /claims/claim_id: any value will do
        response = api.request(route.method, path, json={} if route.method in ("POST", "PUT") else None)
        assert response.status_code not in (404, 405) or error_code(response) not in (
            "method_not_allowed",
            None,
        ), f"{route.route_key} is not routed: {response.status_code} {response.text[:300]}"
        if route.public:
            assert response.status_code != 401, route.route_key
        else:
            assert response.status_code == 401, route.route_key
            assert error_code(response) == "unauthorized"
        assert response.status_code < 500, f"{route.route_key}: {response.status_code} {response.text[:300]}"


# ---------------------------------------------------------------------- profile and credits


def test_get_me_for_a_new_learner(api: Api) -> None:
    user = _user()
    profile = expect(api.get("/me", user=user, name="Nina New"), 200)
    assert profile["user_id"] == user
    assert profile["display_name"] == "Nina New"
    assert profile["degree"] == ""
    assert profile["membership"] == {"premium": False, "premium_until": None}
    assert profile["board_ids"] == {}
    assert profile["birth_month_day"] is None


def test_put_me_and_read_back(api: Api) -> None:
    user = _user()
    body = {"display_name": "Dr. Round Trip", "degree": "DO", "first_name": "Round", "last_name": "Trip"}
    updated = expect(api.put("/me", user=user, json=body), 200)
    assert {k: updated[k] for k in body} == body
    again = expect(api.get("/me", user=user), 200)
    assert {k: again[k] for k in body} == body


def test_admin_records_credits_the_learner_lists_and_sums(api: Api) -> None:
    user = _user()
    course_id = f"e2e-{uuid.uuid4().hex[:8]}"
    _course(api, course_id, ["AMA_PRA_1", "ACEP"])
    recorded = _record(api, user, course_id, ["0.25", "1.5", "2.0"])
    assert [item["created"] for item in recorded] == [True, True, True]
    # The same source ids again: the first credits, created false.
    again = _record(api, user, course_id, ["0.25", "1.5", "2.0"])
    assert [i["credit_id"] for i in again] == [i["credit_id"] for i in recorded]
    assert [i["created"] for i in again] == [False, False, False]

    listed = expect(api.get("/credits", user=user), 200)
    assert sorted(i["credit_id"] for i in listed["items"]) == sorted(i["credit_id"] for i in recorded)
    assert {i["course_id"] for i in listed["items"]} == {course_id}
    summary = expect(api.get("/credits/summary", user=user), 200)
    assert summary["credit_type"] == "AMA_PRA_1"
    assert Decimal(str(summary["total"])) == Decimal("3.75")
    assert [c["course_id"] for c in summary["courses"]] == [course_id]
    assert summary["courses"][0]["topics"] == 3


def test_a_learner_never_sees_another_learners_credits(api: Api) -> None:
    alice, bob = _user("alice"), _user("bob")
    course_id = f"e2e-{uuid.uuid4().hex[:8]}"
    _course(api, course_id)
    mine = _record(api, alice, course_id, ["1.0", "0.5"], prefix="alice")
    assert expect(api.get("/credits", user=bob), 200)["items"] == []
    assert expect(api.get("/credits/summary", user=bob), 200)["courses"] == []
    assert len(expect(api.get("/credits", user=alice), 200)["items"]) == len(mine)


def test_seeded_demo_learner(api: Api) -> None:
    credits = expect(api.get("/credits", user="demo", params={"limit": 200}), 200)["items"]
    assert len(credits) >= 24
    assert {c["course_id"] for c in credits} == {"em-core", "peds-update"}
    assert all(Decimal("0.25") <= Decimal(str(c["amount"])) <= Decimal("2.0") for c in credits)
    me = expect(api.get("/me", user="demo"), 200)
    assert me["display_name"] == "Dana Whitfield"
    assert me["degree"] == "MD"
    assert me["membership"]["premium"] is True
    courses = {c["course_id"]: c for c in expect(api.get("/courses", user="demo"), 200)["items"]}
    assert courses["em-core"]["title"] == "Emergency Medicine Core Review 2026"
    assert courses["em-core"]["provider"] == "CME Ledger Academy"
    assert courses["peds-update"]["credit_types"] == ["AMA_PRA_1", "ABP_MOC_2"]


# ---------------------------------------------------------------------- the JWT authorizer


# Refused credentials on every route, learners on admin routes and on each other's ids: the auth
# matrix (tests/e2e/test_auth_matrix.py), generated from template.yaml.


def test_cli_token_is_one_line_the_stack_accepts(api: Api) -> None:
    user = _user("cli")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "infra.cli", "token", user, "--name", "Cli User"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and done.stdout.endswith("\n")
    profile = expect(api.get("/me", bearer=lines[0]), 200)
    assert profile["user_id"] == user
    assert profile["display_name"] == "Cli User"

    expired = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "infra.cli", "token", user, "--expires-in", "-60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert api.get("/me", bearer=expired).status_code == 401


# ---------------------------------------------------------------------- gateway refusals


def test_unknown_route_is_a_404_envelope(api: Api) -> None:
    response = api.get("/no/such/route", user=_user())
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert response.headers["content-type"].startswith("application/json")


def test_wrong_method_is_a_405_envelope(api: Api) -> None:
    response = api.request("DELETE", "/me", user=_user())
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert "GET" in response.headers["allow"] and "PUT" in response.headers["allow"]
    assert api.request("BREW", "/health").status_code == 405


def test_bad_input_never_gets_a_5xx(api: Api) -> None:
    user = _user()
    answers = [
        api.put("/me", user=user, data=b"{not json", headers={"Content-Type": "application/json"}),
        api.put("/me", user=user, json={"display_name": "x", "membership": {"premium": True}}),
        api.get("/credits", user=user, params={"limit": "lots", "cursor": "%%%"}),
        api.get("/credits", user=user, params={"credit_type": "NOPE"}),
        api.get("/claims/%2e%2e%2fetc", user=user),
        api.get("/me/", user=user),
        api.get("//", user=user),
    ]
    for response in answers:
        assert response.status_code < 500, (
            f"{response.request.url}: {response.status_code} {response.text[:300]}"
        )
        assert error_code(response), response.text


def test_a_binary_body_never_gets_a_5xx(api: Api) -> None:
    response = api.put(
        "/me", user=_user(), data=b"\xff\xfe\x00binary", headers={"Content-Type": "application/json"}
    )
    assert response.status_code < 500, f"{response.status_code} {response.text[:300]}"


def test_raw_malformed_request_line_is_a_400(local_stack: LocalStackProcess) -> None:
    import socket

    host, port = local_stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        answer = sock.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 400") or answer.startswith("HTTP/1.0 400"), answer


def test_cors_preflight_and_origin(api: Api) -> None:
    preflight = api.request(
        "OPTIONS",
        "/claims",
        headers={
            "Origin": "https://app.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert set(preflight.headers["access-control-allow-methods"].split(",")) >= {"GET", "POST", "PUT"}
    assert set(preflight.headers["access-control-allow-headers"].split(",")) == {
        "authorization",
        "content-type",
        "idempotency-key",
    }
    assert preflight.headers["access-control-max-age"] == "600"
    simple = api.get("/health", headers={"Origin": "https://app.example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


# ---------------------------------------------------------------------- presigned URLs


def test_presigned_urls_of_the_stack_work_with_a_plain_get(local_stack: LocalStackProcess) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=local_stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = "cme-local-certificatebucket"
    key = f"certificates/e2e-{uuid.uuid4().hex}.pdf"
    s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4 e2e", ContentType="application/pdf")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    assert url.startswith("http://127.0.0.1:")
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 e2e"
    assert response.headers["content-type"] == "application/pdf"
