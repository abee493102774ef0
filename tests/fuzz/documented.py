"""Success answers checked against the stack's own OpenAPI document: a 2xx is only right in its shape.

A fuzz check that accepted any 200 would pass a route that answered `{}` or the wrong resource; here
the status must be one the operation documents, with a JSON schema, and the body must match it.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis


class Document:
    def __init__(self, base_url: str) -> None:
        self.schema: Any = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=30)

    def problems(self, method: str, path: str, response: requests.Response) -> list[str]:
        """What is wrong with `response` as the answer of the operation `method path` (path as documented)."""
        operations = self.schema.raw_schema["paths"]
        if path not in operations or method.lower() not in operations[path]:
            return [f"{method} {path} is not in the document"]
        status = str(response.status_code)
        documented = operations[path][method.lower()].get("responses") or {}
        if status not in documented:
            return [f"{method} {path}: {status} is not a documented answer ({', '.join(documented)})"]
        if "application/json" not in (documented[status].get("content") or {}):
            return [f"{method} {path}: {status} documents no JSON body to check"]
        try:
            self.schema[path][method.upper()].validate_response(response)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis raises a group of failures
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
            return [f"{method} {path} -> {status} does not match the document: {f}" for f in found]
        return []
