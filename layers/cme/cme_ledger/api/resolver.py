"""The resolver factory every API function uses, the caller's identity, and the pre-routing checks."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from cme_ledger.api import errors, jsonio
from cme_ledger.api.answers import Answer, Error
from cme_ledger.api.routing import ApiRouter, Operation
from cme_ledger.domain.errors import DomainError, Forbidden, NotFound, Unauthorized
from cme_ledger.observability import logger

JSON = "application/json"
ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str
    groups: frozenset[str]
    email: str = ""

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def _claims(event: dict[str, Any]) -> dict[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or {}
    return claims if isinstance(claims, dict) else {}


def _groups(raw: Any, token_groups: Any) -> frozenset[str]:
    """The caller's groups, compared as whole names.

    API Gateway's JWT authorizer hands array claims to the function flattened into one string,
    "[admin staff]": a group named "staff admin" or "[admin]" cannot be told from others in it. The
    token the authorizer verified is in the Authorization header, with the array intact: when its
    groups flatten to exactly the claim received, they are the groups. A claim that is a plain string
    in the token ("notadmin,admin") is one group of that exact name.
    """
    if isinstance(raw, list):
        return frozenset(str(g) for g in raw)
    if not isinstance(raw, str):
        return frozenset()
    exact = isinstance(token_groups, list) and all(isinstance(g, str) for g in token_groups)
    if exact and "[" + " ".join(token_groups) + "]" == raw:
        return frozenset(token_groups)
    if isinstance(token_groups, str) and token_groups == raw:
        return frozenset({raw})
    if raw.startswith("[") and raw.endswith("]"):
        return frozenset(g for g in raw[1:-1].split(" ") if g)
    return frozenset({raw}) if raw else frozenset()


def _token_claims(event: dict[str, Any]) -> dict[str, Any]:
    """The payload of the bearer token, which the JWT authorizer verified before invoking us.

    Read only to recover the exact shape of claims the authorizer flattened (never to authenticate:
    the caller is who the authorizer's claims say, and the token must name the same `sub`).
    """
    headers = event.get("headers") or {}
    value = next((str(v) for k, v in headers.items() if k.lower() == "authorization"), "")
    token = value.split(" ", 1)[1].strip() if value.lower().startswith("bearer ") else value.strip()
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def identity_of(event: dict[str, Any]) -> Identity | None:
    claims = _claims(event)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        return None
    name = claims.get("name")
    token = _token_claims(event) if "cognito:groups" in claims else {}
    token_groups = token.get("cognito:groups") if token.get("sub") == sub else None
    email = claims.get("email")
    return Identity(
        sub,
        name if isinstance(name, str) else "",
        _groups(claims.get("cognito:groups"), token_groups),
        email if isinstance(email, str) else "",
    )


def current_identity(app: APIGatewayHttpResolver | Router) -> Identity:
    identity = identity_of(app.current_event.raw_event)
    if identity is None:
        raise Unauthorized()
    return identity


def ok(model: type[Answer], body: Any, status: int = 200) -> Response:
    """An answer of API.md: `body` serialised through its model (api.answers), amounts exact."""
    return Response(status_code=status, content_type=JSON, body=model.text(body))


def error_response(error: DomainError) -> Response:
    return Response(
        status_code=errors.status_of(error), content_type=JSON, body=Error.text(errors.error_body(error))
    )


def _raw_error(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON},
        "body": Error.text(errors.envelope(code, message, details)),
        "isBase64Encoded": False,
    }


def _field(loc: tuple[Any, ...]) -> str:
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "header", "path") else list(loc)
    if loc and loc[0] in ("header", "path", "query") and parts:
        return str(parts[0])
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def _validation_response(exc: RequestValidationError) -> Response:
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return Response(
            status_code=400,
            content_type=JSON,
            body=Error.text(errors.envelope("malformed_json", "The request body is not valid JSON.")),
        )
    details = []
    for problem in problems:
        loc = tuple(problem.get("loc") or ())
        reason = str(problem.get("msg") or problem.get("type") or "invalid")
        # Our own validators raise ValueError("must be ..."); pydantic prefixes "Value error, ".
        reason = reason.removeprefix("Value error, ")
        if problem.get("type") == "extra_forbidden":
            reason = "unknown field"
        details.append({"field": _field(loc), "reason": reason})
    return Response(
        status_code=422,
        content_type=JSON,
        body=Error.text(errors.envelope("validation_error", "The request is not valid.", details)),
    )


class ApiResolver(APIGatewayHttpResolver):
    """A Powertools resolver that knows the operations of the routers it includes (api.routing):
    `public_route_keys`, the routes a request without a token may reach; `all_public`, every route
    public (the credentials function, which CloudFront also reaches through its function URL, whose
    events name no route key)."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.operations: tuple[Operation, ...] = ()
        self.public_route_keys: frozenset[str] = frozenset()
        self.all_public = False

    def include_router(self, router: Router, prefix: str | None = None) -> None:
        if not isinstance(router, ApiRouter) or prefix:
            raise TypeError("an ApiRouter, without prefix: its operations are the template's routes")
        super().include_router(router)
        self.operations += tuple(router.operations)
        self.public_route_keys = frozenset(op.route_key for op in self.operations if op.public)
        self.all_public = all(op.public for op in self.operations)


def create_app(*routers: ApiRouter) -> ApiResolver:
    """A resolver with validation, Decimal JSON, and every refusal in the error envelope of API.md."""
    app = ApiResolver(
        enable_validation=True,
        serializer=jsonio.dumps,
        json_body_deserializer=jsonio.loads,
    )
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        return _validation_response(exc)

    @app.not_found
    def _not_found(_exc: Exception) -> Response:
        return error_response(NotFound("No such route."))

    return app


def _body_is_text(event: dict[str, Any]) -> bool:
    """API Gateway base64-encodes bodies that are not text; JSON must be UTF-8."""
    body = event.get("body")
    if not body or not event.get("isBase64Encoded"):
        return True
    try:
        base64.b64decode(body, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its body declared JSON: API.md's bodies are JSON whatever Content-Type says.

    Powertools would parse a form or multipart body as such, and answer any other type with a 415
    outside the error envelope; API.md knows neither, so a body that is not JSON is malformed_json.
    """
    headers = event.get("headers") or {}
    declared = [k for k in headers if k.lower() == "content-type"]
    if not event.get("body") or all(_is_json_type(str(headers[k])) for k in declared):
        return event
    kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return {**event, "headers": {**kept, "content-type": JSON}}


def _is_json_type(value: str) -> bool:
    media = value.split(";", 1)[0].strip().lower()
    return media == JSON


def resolve(
    app: ApiResolver, event: dict[str, Any], context: Any, *, admin_only: bool = False
) -> dict[str, Any]:
    """The answer to one API request, and one log line about it (correlated by the request id)."""
    began = time.perf_counter()
    identity = identity_of(event)
    answer = _answer(app, event, context, identity, admin_only=admin_only)
    status = int(answer.get("statusCode") or 0)
    about: dict[str, Any] = {
        "route": event.get("routeKey"),
        "status": status,
        "duration_ms": round((time.perf_counter() - began) * 1000, 1),
    }
    if identity is not None:
        about["user_id"] = identity.user_id
    if status >= 400:
        about["error_code"] = _error_code(answer)
    logger.info("request", extra=about)
    return answer


def _error_code(answer: dict[str, Any]) -> str | None:
    try:
        code = json.loads(answer.get("body") or "")["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _answer(
    app: ApiResolver, event: dict[str, Any], context: Any, identity: Identity | None, *, admin_only: bool
) -> dict[str, Any]:
    """Authenticate and authorize before validation, as API.md orders refusals: 401, 403, then 400/422."""
    route_key = str(event.get("routeKey") or "")
    if route_key not in app.public_route_keys and not app.all_public:
        if identity is None:
            return _raw_error(401, Unauthorized.code, Unauthorized.message)
        if admin_only and not identity.is_admin:
            return _raw_error(403, Forbidden.code, Forbidden.message)
    if not _body_is_text(event):
        return _raw_error(400, "malformed_json", "The request body is not valid UTF-8 JSON.")
    try:
        return app.resolve(_as_json(event), context)
    except DomainError as exc:  # raised outside a route (should not happen), still in the envelope
        logger.warning("domain error outside a route", extra={"code": exc.code})
        return _raw_error(errors.status_of(exc), exc.code, exc.message, exc.details)
