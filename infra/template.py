"""Reads template.yaml, the one source of truth, for the local stack and the tests.

It understands the CloudFormation short tags (!Ref, !GetAtt, !Sub, ...) well enough to list the
tables, bucket, queues, functions, their routes, queue events and schedules, and each function's
environment with references resolved against the local resources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _Tag:
    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"!{self.name} {self.value!r}"


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tag(suffix, value)


_Loader.add_multi_constructor("!", _construct)


@lru_cache(maxsize=4)
def load(path: str = str(TEMPLATE)) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return dict(yaml.load(fh, Loader=_Loader))  # noqa: S506 - SafeLoader subclass with tag constructors


def resources(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return dict((template or load())["Resources"])


def of_type(kind: str, template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources(template).items() if r.get("Type") == kind}


# ----------------------------------------------------------------------------- tables


def _plain(value: Any) -> Any:
    if isinstance(value, _Tag):
        raise ValueError(f"unexpected intrinsic in a table definition: {value!r}")
    return value


def table_definitions(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """create_table keyword arguments per table resource (without TableName)."""
    tables = {}
    for name, resource in of_type("AWS::DynamoDB::Table", template).items():
        props = resource["Properties"]
        kwargs: dict[str, Any] = {
            "AttributeDefinitions": _plain(props["AttributeDefinitions"]),
            "KeySchema": _plain(props["KeySchema"]),
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in props:
                kwargs[key] = _plain(props[key])
        if "StreamSpecification" in props:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        tables[name] = kwargs
    return tables


def ttl_attribute(table: str, template: dict[str, Any] | None = None) -> str | None:
    spec = resources(template)[table]["Properties"].get("TimeToLiveSpecification") or {}
    return spec.get("AttributeName") if spec.get("Enabled") else None


# ----------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway form: /claims/{claim_id}
    function: str
    public: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, path: str) -> dict[str, str] | None:
        pattern = "^" + re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$"
        found = re.match(pattern, path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class Function:
    name: str
    code_uri: str
    handler: str  # module.function
    environment: dict[str, Any]
    timeout: int
    routes: tuple[Route, ...] = ()
    queues: tuple[tuple[str, int], ...] = ()  # (queue logical id, batch size)
    schedules: tuple[str, ...] = ()  # schedule expressions
    extra: dict[str, Any] = field(default_factory=dict)
    # Declares Lambda SnapStart (the template's SnapStart parameter may still turn it off): Lambda
    # runs its runtime hooks (snapshot_restore_py), before the snapshot and after each restore.
    snap_start: bool = False


def functions(template: dict[str, Any] | None = None) -> dict[str, Function]:
    template = template or load()
    globals_ = (template.get("Globals") or {}).get("Function") or {}
    global_env = ((globals_.get("Environment") or {}).get("Variables")) or {}
    found = {}
    for name, resource in of_type("AWS::Serverless::Function", template).items():
        props = resource["Properties"]
        env = {**global_env, **(((props.get("Environment") or {}).get("Variables")) or {})}
        routes, queues, schedules = [], [], []
        for event in (props.get("Events") or {}).values():
            eprops = event.get("Properties") or {}
            if event["Type"] == "HttpApi":
                auth = (eprops.get("Auth") or {}).get("Authorizer")
                routes.append(Route(eprops["Method"].upper(), eprops["Path"], name, auth == "NONE"))
            elif event["Type"] == "SQS":
                queue = eprops["Queue"]
                queue_id = queue.value[0] if isinstance(queue.value, list) else str(queue.value).split(".")[0]
                queues.append((queue_id, int(eprops.get("BatchSize", 10))))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                schedules.append(str(eprops["ScheduleExpression"]))
        found[name] = Function(
            name=name,
            code_uri=str(props["CodeUri"]),
            handler=str(props["Handler"]),
            environment=env,
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            routes=tuple(routes),
            queues=tuple(queues),
            schedules=tuple(schedules),
            snap_start="SnapStart" in props,
        )
    return found


def route_order(route: Route) -> tuple[int, int, str]:
    """The order API Gateway tries routes in: literal segments win over parameters, then longer paths."""
    segments = route.path.strip("/").split("/")
    return (sum(1 for s in segments if s.startswith("{")), -len(segments), route.path)


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    """Every route of the template, in `route_order`."""
    return sorted((r for f in functions(template).values() for r in f.routes), key=route_order)


def select(method: str, path: str, candidates: list[Route]) -> tuple[Route, dict[str, str]] | list[str]:
    """The route of `candidates` (in `route_order`) that takes the request, with its decoded path
    parameters; or, when none does, the methods the path has (empty: no such path)."""
    methods: list[str] = []
    for route in candidates:
        params = route.match(path)
        if params is None:
            continue
        if route.method in (method, "ANY"):
            return route, {k: unquote(v, errors="replace") for k, v in params.items()}
        methods.append(route.method)
    return sorted(set(methods))


def resolve_environment(env: dict[str, Any], lookup: Callable[[_Tag], str]) -> dict[str, str]:
    """Environment values with intrinsics resolved by `lookup` (which names the local resources)."""
    return {
        name: str(lookup(value)) if isinstance(value, _Tag) else str(value) for name, value in env.items()
    }


def tag_target(value: Any) -> tuple[str, str, str | None]:
    """(tag name, logical id, attribute) of a simple !Ref / !GetAtt / !If intrinsic."""
    if not isinstance(value, _Tag):
        raise TypeError(f"not an intrinsic: {value!r}")
    if value.name == "Ref":
        return "Ref", str(value.value), None
    if value.name == "GetAtt":
        parts = value.value if isinstance(value.value, list) else str(value.value).split(".", 1)
        return "GetAtt", str(parts[0]), str(parts[1])
    return value.name, "", None


def is_tag(value: Any) -> bool:
    return isinstance(value, _Tag)
