"""The OpenAPI document of the whole API, generated from the routers (never written by hand).

`make openapi` writes it to api/openapi.json, which GET /openapi.json serves as it is (building it
takes every router and model: never in a request) and which docs/openapi.json links to; a test holds
the file to this. Routes never import this module: it imports them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

TITLE = "CME Ledger API"
VERSION = "1.0.0"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from cme_ledger.api.resolver import create_app
    from cme_ledger.api.routes import admin, certificates, claims, credentials, credits, renewal

    app = create_app(
        credits.router, claims.router, certificates.router, admin.router, renewal.router, credentials.router
    )
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="Clinicians' continuing-education credit: earn it, claim it, prove it. See API.md.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
    )
    return _exactly_the_contract(dict(json.loads(schema)))


_POWERTOOLS_422 = "#/components/schemas/HTTPValidationError"


def _exactly_the_contract(document: dict[str, Any]) -> dict[str, Any]:
    """What Powertools adds on its own, brought back to API.md.

    Powertools documents a 422 on every operation, in its own error model: a route that can answer
    422 lists it (in the error envelope) with its refusals, so the automatic one is dropped. An
    answer without a body (the 303 of a download) is documented without content.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for status, response in list(responses.items()):
                content = response.get("content") or {}
                schemas = [media.get("schema") or {} for media in content.values()]
                if any(schema.get("$ref") == _POWERTOOLS_422 for schema in schemas):
                    del responses[status]
                elif content and not any(schemas):
                    del response["content"]
    components = document.get("components", {}).get("schemas", {})
    # Powertools' own error models, once nothing refers to them (ValidationError last: the other
    # two refer to it).
    for name in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
        others = {k: v for k, v in components.items() if k != name}
        if f"#/components/schemas/{name}" not in json.dumps([document.get("paths"), others]):
            components.pop(name, None)
    return document


def main() -> None:
    print(json.dumps(document(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
