"""Test helpers: the template's functions invoked with real API Gateway HTTP API events."""

from __future__ import annotations

import json
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
    """Route as API Gateway would (by the template), then invoke the real handler."""
    for route in tpl.routes():
        params = route.match(path)
        if route.method == method and params is not None:
            break
    else:
        raise AssertionError(f"no route {method} {path} in template.yaml")
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
    result = invoke(function, event)
    raw = result.get("body") or ""
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return Reply(int(result["statusCode"]), parsed, {k.lower(): v for k, v in (result.get("headers") or {}).items()})
