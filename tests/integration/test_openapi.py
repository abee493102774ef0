"""The OpenAPI document is generated from the code and names exactly the template's routes."""

from __future__ import annotations

from typing import Any

from infra import template as tpl
from tests.support import call


def test_openapi_has_every_template_route_and_nothing_else(aws: Any) -> None:
    reply = call("GET", "/openapi.json", user=None)
    assert reply.status == 200
    document = reply.body
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), path) for path, operations in document["paths"].items() for method in operations
    }
    declared = {(r.method, r.path) for r in tpl.routes()}
    assert documented == declared


def test_protected_operations_declare_bearer_auth(aws: Any) -> None:
    document = call("GET", "/openapi.json", user=None).body
    public = {(r.method, r.path) for r in tpl.routes() if r.public}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method.upper(), path) in public:
                continue
            assert operation.get("security") == [{"bearerAuth": []}], (method, path)
