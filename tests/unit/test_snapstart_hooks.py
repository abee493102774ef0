"""The SnapStart pieces that need no AWS: registration, the import's garbage collection, which
credentials a snapshot must not keep, and randomness (codes come from `secrets`, never `random`)."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from cme_ledger import snapstart

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry() -> Iterator[None]:
    """The runtime's hook registry as it was: what a test registers is taken out again."""
    before, after = list(get_before_snapshot()), list(get_after_restore())
    yield
    get_before_snapshot()[:] = before
    get_after_restore()[:] = after


class _Route:
    def __init__(self) -> None:
        self.built: list[str] = []

    @property
    def dependant(self) -> object:
        self.built.append("dependant")
        return object()

    @property
    def body_field(self) -> object:
        self.built.append("body_field")
        return None


class _App:
    def __init__(self) -> None:
        self._static_routes = [_Route(), _Route()]
        self._dynamic_routes = [_Route()]


def test_register_gives_the_runtime_one_hook_of_each_kind_per_app(registry: None) -> None:
    app = _App()
    before, after = len(get_before_snapshot()), len(get_after_restore())
    snapstart.register(app, clients=("dynamodb", "s3"), preload=("cme_ledger.jobs",))
    snapstart.register(app, clients=("dynamodb",))  # the same app again: nothing more
    added = get_before_snapshot()[before:]
    assert added == [(snapstart.before_snapshot, (app, ("dynamodb", "s3"), ("cme_ledger.jobs",)), {})]
    assert get_after_restore()[after:] == [(snapstart.after_restore, (), {})]


def test_register_refuses_a_client_it_does_not_know(registry: None) -> None:
    with pytest.raises(ValueError, match="unknown clients"):
        snapstart.register(_App(), clients=("dynamo",))


def test_validation_models_builds_every_route() -> None:
    app = _App()
    assert snapstart.validation_models(app) == 3
    for route in [*app._static_routes, *app._dynamic_routes]:
        assert route.built == ["dependant", "body_field"]


def test_the_import_runs_without_the_collector_and_leaves_its_objects_frozen() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with snapstart.quiet_gc():
            assert not gc.isenabled()
            kept = [[index] for index in range(1000)]  # long-lived containers, as an import makes
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()


def test_the_collector_comes_back_even_when_the_import_fails() -> None:
    try:
        with pytest.raises(ImportError), snapstart.quiet_gc():
            raise ImportError("no such module")
        assert gc.isenabled()
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(
    ("environment", "static"),
    [
        ({"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T"}, True),
        # SnapStart functions: container credentials, refreshed by botocore when they expire.
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9001/c", "AWS_SESSION_TOKEN": "T"}, False),
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}, False),
        # Long-lived keys (a local stack's) never expire.
        ({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}, False),
    ],
)
def test_which_credentials_a_snapshot_must_not_keep(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], static: bool
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert snapstart.static_credentials() is static


def _imports_random(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "random" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "random":
            return True
    return False


def test_nothing_but_the_restore_hook_uses_random() -> None:
    """A snapshot shares `random`'s state between every environment restored from it: certificate
    and verify codes, ids and secrets come from `secrets` (os.urandom), which a snapshot does not
    share; `after_restore` reseeds `random` for what third-party code draws from it."""
    sources: list[Any] = [
        *(ROOT / "layers/cme/cme_ledger").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
    ]
    assert len(sources) > 50
    users = sorted(str(p.relative_to(ROOT)) for p in sources if _imports_random(p))
    assert users == ["layers/cme/cme_ledger/snapstart.py"]
