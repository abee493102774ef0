"""Each API function's SnapStart hooks, run as Lambda runs them: what the before-snapshot hook
builds, what the after-restore hook makes unique again, and requests answered after both."""

from __future__ import annotations

import gc
import random
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from cme_ledger import snapstart
from cme_ledger.api import cursor
from cme_ledger.config import get_settings
from cme_ledger.services import catalog
from cme_ledger.store import board_reports, db, objects, queue, reminders
from infra import template as tpl
from infra.invoke import handler_of
from tests.support import admin, call

# One request per function that reads and answers without anything seeded.
REQUESTS = {
    "CreditsFunction": lambda: call("GET", "/credits"),
    "ClaimsFunction": lambda: call("GET", "/claims"),
    "CertificatesFunction": lambda: call("GET", "/me/transcript"),
    "CredentialsFunction": lambda: call("GET", "/issuer", user=None),
    "AdminFunction": lambda: admin("POST", "/admin/sweeps/expiry"),
    "RenewalFunction": lambda: call("GET", "/requirement-sets"),
}
CACHED_CLIENTS = {
    "s3": objects._s3,
    "sqs": queue._sqs,
    "sesv2": reminders._ses,
    "reports-s3": board_reports._s3,
}


def test_every_api_function_is_covered() -> None:
    routed = {name for name, f in tpl.functions().items() if f.routes}
    assert routed == set(REQUESTS)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the hook freezes the heap; the rest of the test session collects as usual


def _module_api(function: str) -> Any:
    """The handler module's api.entry.Api (its resolver is built on first use)."""
    handler = handler_of(tpl.functions()[function])
    return sys.modules[handler.__module__].api


def _hooks_of(api: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """What the function's app.py registered for before the snapshot (Lambda calls it so)."""
    mine = [(args, kwargs) for func, args, kwargs in get_before_snapshot() if args and args[0] is api]
    assert len(mine) == 1, f"{len(mine)} before-snapshot hooks for this app"
    assert (snapstart.after_restore, (), {}) in get_after_restore()
    return mine[0]


@pytest.mark.parametrize("function", sorted(REQUESTS))
def test_hooks_then_requests(aws: Any, unfrozen: None, function: str) -> None:
    api = _module_api(function)
    args, kwargs = _hooks_of(api)
    clients = args[1]
    assert "dynamodb" in clients

    # Before the snapshot: settings, clients, validation models, lazy modules; the heap frozen.
    snapstart.before_snapshot(*args, **kwargs)
    assert get_settings.cache_info().currsize == 1
    assert db._bound is not None
    for name in clients:
        if name in CACHED_CLIENTS:
            assert CACHED_CLIENTS[name].cache_info().currsize == 1, name
    assert api.built
    routes = [*api.app._static_routes, *api.app._dynamic_routes]
    assert routes and all(r._dependant is not None for r in routes)
    assert gc.get_freeze_count() > 0
    if function == "CertificatesFunction":
        from cme_ledger.certificates import fonts

        assert "reportlab" in sys.modules and len(fonts._FONTS) >= 5

    # A snapshot shares this state; after the restore it is each environment's own.
    cursor._secret()
    catalog.catalogue()
    drawn_in_snapshot = random.getstate()
    snapstart.after_restore()
    assert random.getstate() != drawn_in_snapshot
    assert cursor._secret.cache_info().currsize == 0
    assert catalog._cached is None  # aged on the monotonic clock: a restore need not advance it
    assert db._bound is not None  # long-lived (or container) credentials: the clients stay

    reply = REQUESTS[function]()
    assert reply.status == 200, reply


def test_temporary_keys_in_the_environment_are_not_kept_past_a_restore(
    aws: Any, unfrozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, kwargs = _hooks_of(_module_api("CertificatesFunction"))
    snapstart.before_snapshot(*args, **kwargs)
    assert objects._s3.cache_info().currsize == 1
    monkeypatch.setenv("AWS_SESSION_TOKEN", "expires-soon")
    snapstart.after_restore()
    assert db._bound is None and objects._s3.cache_info().currsize == 0
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert call("GET", "/me/transcript").status == 200  # clients made again on first use
