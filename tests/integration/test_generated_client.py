"""A client generated from the OpenAPI document (openapi-python-client) claims credit.

The document names every answer as a component (`Claim`, `Credit`, `Profile`, `Error`, ...), so the
generated types are those names, not `CreateClaimClaimsPostResponse201`. The generated client's
requests go, through an httpx transport, to the real handlers under moto, routed by template.yaml as
API Gateway routes them (the same path as tests.support.call).
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from infra import template as tpl
from infra.events import http_event
from infra.invoke import invoke
from tests.support import admin, claims_for, make_course, make_premium

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "cme_generated_client"
CONFIG = {
    "project_name_override": PACKAGE,
    "package_name_override": PACKAGE,
    "post_hooks": [],  # no formatter run on the generated code: it is imported, not kept
    # A signed credential is text (a compact JWS): the generator knows only text/* as text.
    "content_type_overrides": {"application/vc+jwt": "text/plain"},
}


class HandlerTransport(httpx.BaseTransport):
    """HTTP to the template's handlers, in process. The JWT authorizer's part: a bearer token stands
    for the subject it was issued to (here, the token is the user id), as verified claims."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        found = tpl.select(request.method, path, tpl.routes())
        if isinstance(found, list):
            return httpx.Response(404, json={"message": "Not Found"})
        route, params = found
        authorization = request.headers.get("authorization", "")
        user = authorization.removeprefix("Bearer ").strip()
        event = http_event(
            request.method,
            path,
            route.route_key,
            path_parameters=params or None,
            query=dict(request.url.params) or None,
            raw_query=request.url.query.decode("ascii"),
            headers=dict(request.headers),
            body=request.content or None,
            claims=claims_for(user) if user else None,
        )
        result = invoke(tpl.functions()[route.function], event)
        return httpx.Response(
            int(result["statusCode"]),
            headers=result.get("headers") or {},
            content=(result.get("body") or "").encode("utf-8"),
        )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package openapi-python-client generates from docs/openapi.json, imported."""
    where = tmp_path_factory.mktemp("generated")
    config = where / "config.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    output = where / PACKAGE
    done = subprocess.run(  # noqa: S603 - fixed argv, our own files
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(ROOT / "docs" / "openapi.json"),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Every operation and answer made it into the client: the generator warns of what it skips.
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(generated: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{generated.__name__}.{name}")


def test_the_generated_types_are_the_documents_components(generated: ModuleType) -> None:
    models = _module(generated, "models")
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    for component in document["components"]["schemas"]:
        assert hasattr(models, component), component
    # No type named after an operation and a status: every answer is a component.
    assert [n for n in models.__all__ if re.search(r"Response\d{3}", n)] == []


def test_a_learner_claims_credit_with_the_generated_client(aws: Any, generated: ModuleType) -> None:
    models = _module(generated, "models")
    get_me = _module(generated, "api.profile.get_me")
    # The generator names a tag's package after it, "_" added to a builtin's name such as credits.
    list_credits = _module(generated, "api.credits_.list_credits")
    create_claim = _module(generated, "api.claims.create_claim")
    get_claim = _module(generated, "api.claims.get_claim")
    list_claims = _module(generated, "api.claims.list_claims")

    make_course("gen", "Generated Medicine")
    make_premium("learner-gen")
    items = [
        {
            "user_id": "learner-gen",
            "course_id": "gen",
            "topic": f"Topic {i}",
            "amount": 1.5,
            "source_id": f"g{i}",
        }
        for i in range(3)
    ]
    assert admin("POST", "/admin/credits", body={"items": items}).status == 201

    client = generated.AuthenticatedClient(
        base_url="https://api.test", token="learner-gen", httpx_args={"transport": HandlerTransport()}
    )
    with client:
        me = get_me.sync(client=client)
        assert isinstance(me, models.Profile)
        assert me.user_id == "learner-gen" and me.membership.premium is True

        page = list_credits.sync(client=client)
        assert isinstance(page, models.CreditPage)
        assert [type(c) for c in page.items] == [models.Credit] * 3
        assert page.next_cursor is None

        body = models.ClaimRequest(
            selections=[models.Selection(credit_id=c.credit_id) for c in page.items[:2]],
        )
        claim = create_claim.sync(client=client, body=body, idempotency_key="generated-1")
        assert isinstance(claim, models.Claim), claim
        assert claim.total == 3
        assert claim.status.value == "processing"
        [certificate] = claim.certificates
        assert isinstance(certificate, models.Certificate)
        assert certificate.course_title == "Generated Medicine"
        assert [t.amount for t in certificate.topics] == [1.5, 1.5]

        read = get_claim.sync(client=client, claim_id=claim.claim_id)
        assert isinstance(read, models.Claim) and read.claim_id == claim.claim_id

        listed = list_claims.sync(client=client)
        assert isinstance(listed, models.ClaimPage)
        assert [(c.claim_id, type(c)) for c in listed.items] == [(claim.claim_id, models.ClaimSummary)]

        # A refusal is an Error, typed as such.
        again = create_claim.sync(
            client=client,
            body=models.ClaimRequest(selections=[models.Selection(credit_id=page.items[0].credit_id)]),
        )
        assert isinstance(again, models.Error), again
        assert again.error.code == "credits_unavailable"
        assert [(d.credit_id, d.reason) for d in again.error.details] == [
            (page.items[0].credit_id, "claimed")
        ]

        missing = get_claim.sync(client=client, claim_id="no-such-claim")
        assert isinstance(missing, models.Error) and missing.error.code == "not_found"
