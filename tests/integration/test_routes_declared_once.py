"""Every route is declared once, by its decorator in its router (api.routing): template.yaml, the
resolver and the OpenAPI document agree with it, function by function."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, get_type_hints

import pytest

from cme_ledger.api.openapi import document
from cme_ledger.api.resolver import ApiResolver
from cme_ledger.api.routing import AUTH, PercentDecoded
from infra import template as tpl
from infra.invoke import handler_of
from infra.template import ROOT

API_FUNCTIONS = {name: f for name, f in tpl.functions().items() if f.routes}


def _app(function: tpl.Function) -> ApiResolver:
    """The resolver of a template function's handler module, loaded as the local stack loads it."""
    handler = handler_of(function)
    app = sys.modules[handler.__module__].api.app
    assert isinstance(app, ApiResolver)
    return app


@pytest.mark.parametrize("name", sorted(API_FUNCTIONS))
def test_the_templates_routes_of_a_function_are_its_apps_operations(name: str) -> None:
    """Same route keys, and public exactly where the template has `Auth: {Authorizer: NONE}`."""
    function = API_FUNCTIONS[name]
    app = _app(function)
    declared = {(op.route_key, op.public) for op in app.operations}
    assert declared == {(r.route_key, r.public) for r in function.routes}
    assert app.public_route_keys == {r.route_key for r in function.routes if r.public}
    assert app.all_public == all(r.public for r in function.routes)


def test_the_document_has_every_operation_once_with_its_security() -> None:
    operations = {op.route_key: op for f in API_FUNCTIONS.values() for op in _app(f).operations}
    documented = {
        f"{method.upper()} {path}": operation
        for path, methods in document()["paths"].items()
        for method, operation in methods.items()
    }
    assert set(documented) == set(operations) == {r.route_key for r in tpl.routes()}
    for key, operation in documented.items():
        public = operations[key].public
        assert operation.get("security") == (None if public else AUTH), key
        assert operation["operationId"] == operations[key].func.__name__, key
    ids = [operation["operationId"] for operation in documented.values()]
    assert len(ids) == len(set(ids))


def test_every_path_parameter_is_percent_decoded() -> None:
    """/claims/caf%C3%A9 is the claim id "café" (tests/integration/test_fuzz_findings.py)."""
    checked = 0
    for function in API_FUNCTIONS.values():
        for op in _app(function).operations:
            hints = get_type_hints(op.func, include_extras=True)
            for parameter in op.path_parameters:
                assert PercentDecoded in getattr(hints[parameter], "__metadata__", ()), (
                    op.route_key,
                    parameter,
                )
                checked += 1
    assert checked >= 8


def test_handlers_import_no_document_builder_and_build_their_resolver_on_first_use() -> None:
    """api.openapi imports the routers, never the reverse; no handler builds the document. A handler
    module's import holds no resolver, route or pydantic (api/entry.py): `api.app` builds them."""
    code = (
        "import importlib.util, json, sys\n"
        "modules = []\n"
        "for path in sys.argv[1:]:\n"
        "    spec = importlib.util.spec_from_file_location('app_' + str(len(sys.modules)), path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    modules.append(module)\n"
        "imported = sorted(sys.modules)\n"
        "built = [type(module.api.app).__name__ for module in modules]\n"
        "print(json.dumps({'imported': imported, 'built': built, 'after': sorted(sys.modules)}))\n"
    )
    paths = sorted({str(ROOT / f.code_uri / "app.py") for f in API_FUNCTIONS.values()})
    env: dict[str, Any] = {
        "PYTHONPATH": f"{ROOT / 'layers' / 'cme'}:{ROOT}",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(  # noqa: S603 - fixed argv, our own files
        [sys.executable, "-c", code, *paths], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    imported = set(loaded["imported"])
    assert "cme_ledger.observability" in imported
    for heavy in (
        "pydantic",
        "cme_ledger.api.resolver",
        "cme_ledger.api.routes.credits",
        "cme_ledger.services",
    ):
        assert heavy not in imported, heavy
    assert loaded["built"] == ["ApiResolver"] * len(paths)
    assert "cme_ledger.api.routes.credits" in loaded["after"]
    assert "cme_ledger.api.openapi" not in loaded["after"]
