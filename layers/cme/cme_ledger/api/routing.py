"""How a route is declared, once: its method and path, whether it is public, its operationId, and
its answers in the OpenAPI document (each a model of api.answers, so a component by name).

Public routes: a route declared with `security=PUBLIC` takes requests without a token; any other is
behind the bearer token (the default, so forgetting it protects the route). The resolver lets a
request without a token through only to a public route of its own app (api.resolver), the OpenAPI
document says the same, and tests/integration/test_routes_declared_once.py holds template.yaml's
`Auth: {Authorizer: NONE}` routes, function by function, to exactly these.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, BeforeValidator

from cme_ledger.api.answers import COMPACT_JWS_PATTERN, Error

JSON = "application/json"
VC_JWT = "application/vc+jwt"
AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]
PUBLIC: list[dict[str, list[str]]] = []

_Func = TypeVar("_Func", bound=Callable[..., Any])
_ROUTE_PARAMETERS = inspect.signature(Router.route)
_PATH_PARAMETER = re.compile(r"<(\w+)>")


@dataclass(frozen=True)
class Operation:
    """One route as API Gateway and the OpenAPI document name it."""

    method: str
    path: str  # API Gateway's form: /claims/{claim_id}
    public: bool
    func: Callable[..., Any]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))


class ApiRouter(Router):
    """A Powertools Router that keeps what each of its routes is: `operations`.

    Every route gets the bearer token unless declared `security=PUBLIC`, and its function's name as
    its operationId (a generated client's method names, stable across paths).
    """

    def __init__(self) -> None:
        super().__init__()
        self.operations: list[Operation] = []

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[_Func], _Func]:
        # Router.get/post/... pass every argument positionally: name them as Router.route does.
        arguments = _ROUTE_PARAMETERS.bind(self, rule, method, *args, **kwargs).arguments
        arguments.pop("self")
        public = arguments.get("security") == PUBLIC
        arguments["security"] = PUBLIC if public else AUTH
        if not isinstance(method, str):
            raise TypeError("one method per route: API Gateway routes one")

        def register(func: _Func) -> _Func:
            arguments["operation_id"] = arguments.get("operation_id") or func.__name__
            path = _PATH_PARAMETER.sub(r"{\1}", rule)
            self.operations.append(Operation(method.upper(), path, public, func))
            return super(ApiRouter, self).route(**arguments)(func)

        return register


def _percent_decoded(value: Any) -> Any:
    return unquote(value, errors="replace") if isinstance(value, str) else value


# Every path parameter's annotation carries this: /claims/caf%C3%A9 is the claim id "café". Powertools
# matches routes against the raw path, which API Gateway passes percent-encoded, and hands the
# encoded text to the route (an admin's PUT /admin/members/a%20b/membership set the membership of
# "a%20b", and a 30-letter claim id of accented letters was a 422 for being over 64 characters).
PercentDecoded = BeforeValidator(_percent_decoded)


def answer(status: int, model: type[BaseModel] | Any, description: str) -> dict[int, Any]:
    """An OpenAPI `responses` entry: a JSON answer of this model (a component named after it)."""
    return {status: {"description": description, "content": {JSON: {"model": model}}}}


def signed(status: int, description: str) -> dict[int, Any]:
    """An OpenAPI `responses` entry: a compact JWS served as application/vc+jwt."""
    schema = {"type": "string", "pattern": COMPACT_JWS_PATTERN}
    return {status: {"description": description, "content": {VC_JWT: {"schema": schema}}}}


def no_content(description: str) -> dict[int, Any]:
    """A 204 answer: no body."""
    return {204: {"description": description}}


def redirect(description: str) -> dict[int, Any]:
    """A 303 answer with a Location header and no body."""
    return {
        303: {
            "description": description,
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        }
    }


_REFUSALS = {
    400: "malformed_json",
    401: "unauthorized",
    403: "forbidden or membership_required",
    404: "not_found",
    409: "conflict (see API.md for the codes of this route)",
    422: "validation_error",
}


def refusals(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` entries, in the error envelope (`Error`), for the given statuses."""
    return {
        status: {"description": _REFUSALS.get(status, "refused"), "content": {JSON: {"model": Error}}}
        for status in statuses
    }
