"""The OpenAPI document of the whole API, generated from the routers (never written by hand)."""

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
    from cme_ledger.api.routes import admin, certificates, claims, credits

    app = create_app(credits.router, claims.router, certificates.router, admin.router)
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="Clinicians' continuing-education credit: earn it, claim it, prove it. See API.md.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
    )
    return dict(json.loads(schema))


def main() -> None:
    print(json.dumps(document(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
