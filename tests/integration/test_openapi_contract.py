"""The OpenAPI document states API.md's statuses: found missing when fuzzing against it (tests/fuzz).

Before: no operation documented its 200/201 (Powertools drops its default when a route lists its
refusals), every one documented a 422 in Powertools' own error model, even those that cannot
answer 422, and amounts were `number or string` although a string amount is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cme_ledger.api.openapi import document
from infra import template as tpl

ROOT = Path(__file__).resolve().parents[2]

# API.md's success status of each route.
SUCCESS = {
    "POST /claims": 201,
    "POST /claims/{claim_id}/evaluation": 201,
    "POST /admin/credits": 201,
    "POST /me/external-credits": 201,
    "DELETE /me/external-credits/{id}": 204,
}
# Routes whose answer is a signed credential (a compact JWS), not JSON.
SIGNED = {"GET /verify/{code}/credential", "GET /credentials/status/{list_id}"}
# Routes with neither parameters nor a body, and /verify (any code is looked up; unknown is a 404):
# nothing in the request can be invalid.
NOTHING_TO_VALIDATE = {
    "GET /verify/{code}",
    "GET /verify/{code}/credential",
    "GET /issuer",
    "GET /.well-known/jwks.json",
    "GET /health",
    "GET /openapi.json",
    "GET /me",
    "GET /credit-types",
    "GET /courses",
    "POST /admin/sweeps/expiry",
    "POST /admin/reports/abp",
    "POST /admin/reminders/run",
    "GET /requirement-sets",
    "GET /topic-tags",
    "GET /external-credit-types",
    "GET /me/requirements",
}


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its `$ref` (to a component) followed."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return _resolved(document()["components"]["schemas"][ref.rsplit("/", 1)[1]])


def _operations() -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
    }


def test_every_operation_documents_its_success_with_a_schema() -> None:
    for route_key, operation in _operations().items():
        status = str(SUCCESS.get(route_key, 200))
        assert status in operation["responses"], route_key
        if status == "204":
            assert "content" not in operation["responses"][status], route_key
            continue
        if route_key in SIGNED:
            schema = operation["responses"][status]["content"]["application/vc+jwt"]["schema"]
            assert schema.get("type") == "string", route_key
            continue
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        for one in schema.get("anyOf") or [schema]:  # the transcript: JSON, or a PDF's download
            assert "$ref" in one, route_key  # a component, named after its model (api.answers)
            assert _resolved(one).get("type") == "object", route_key


def test_every_refusal_is_documented_in_the_error_envelope() -> None:
    for route_key, operation in _operations().items():
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (route_key, status)
    error = _resolved({"$ref": "#/components/schemas/Error"})
    assert error["required"] == ["error"]
    assert _resolved(error["properties"]["error"])["required"] == ["code", "message"]


def test_a_422_is_documented_only_where_the_request_can_be_invalid() -> None:
    for route_key, operation in _operations().items():
        assert ("422" in operation["responses"]) == (route_key not in NOTHING_TO_VALIDATE), route_key
    assert "HTTPValidationError" not in json.dumps(document())


def test_the_download_redirect_has_a_location_and_no_body() -> None:
    redirect = _operations()["GET /claims/{claim_id}/certificate"]["responses"]["303"]
    assert "content" not in redirect
    assert redirect["headers"]["Location"]["required"] is True


def test_amounts_are_json_numbers_and_credit_types_known_codes() -> None:
    schemas = document()["components"]["schemas"]
    assert schemas["CreditItem"]["properties"]["amount"] == {
        "type": "number",
        "multipleOf": 0.01,
        "exclusiveMinimum": 0,
        "maximum": 100,
        "title": "Amount",
    }
    selection_amount = schemas["Selection"]["properties"]["amount"]["anyOf"][0]
    assert selection_amount["type"] == "number"
    assert "AMA_PRA_1" in schemas["ClaimRequest"]["properties"]["credit_type"]["enum"]


def test_docs_openapi_json_is_the_generated_document() -> None:
    """`make openapi` writes docs/openapi.json (a link to the file GET /openapi.json serves, in the
    layer); it must not drift from the code."""
    served = ROOT / "layers" / "cme" / "cme_ledger" / "api" / "openapi.json"
    assert json.loads(served.read_text(encoding="utf-8")) == document()
    assert json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")) == document()
    assert {f"{r.method} {r.path}" for r in tpl.routes()} == set(_operations())
