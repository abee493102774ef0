"""Cold starts of the API functions: Lambda SnapStart's runtime hooks, and a cheaper import.

With SnapStart (template.yaml, parameter SnapStart), Lambda initializes a published version once,
snapshots that execution environment's memory, and resumes every later cold start from the
snapshot. Each API function's app.py calls `register`, which hands Lambda's Python runtime (through
`snapshot_restore_py`, the runtime's hook API) two hooks:

- before the snapshot, `before_snapshot` builds what requests would otherwise build on first use:
  the settings (checked: a version whose environment is wrong fails to publish instead of failing
  its first request), the AWS clients the function calls (their service models parsed), the
  function's resolver with its routes (api/entry.py) and every route's validation models, the
  modules and data that routes load on first use (for the certificates function, reportlab and
  the certificate fonts); then it collects garbage once and freezes what is left, which the
  collector never walks again;
- after each restore, `after_restore` makes unique again what the snapshot shares between every
  environment restored from it: the state of `random` (botocore's retry jitter: certificate and
  verify codes never come from `random`, always from `secrets`), the cursor signing secret (never
  in a snapshot: dropped, fetched again on first use), the catalogue copy (time-based: its age is
  measured on the monotonic clock), and the AWS clients when their credentials
  are temporary keys from the environment (SnapStart functions get container credentials instead,
  which botocore fetches again when they expire: the clients are kept then).

Lambda runs the hooks only for SnapStart versions; without SnapStart the import is what a cold start
pays before its first event, so it holds only what every invocation needs before it is routed (the
resolver is built on first use: api/entry.py) and `quiet_gc` keeps the garbage collector out of it.
The local stack runs the hooks as Lambda does (before-snapshot at the start of each worker,
after-restore before its first event), so every test that goes through it runs them too.

Importing this module costs nothing: everything it warms is imported when a hook runs.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# The AWS clients a function may warm, by name: the module and function that make (and cache) each.
CLIENTS: dict[str, tuple[str, str]] = {
    "dynamodb": ("cme_ledger.store.db", "client"),
    "s3": ("cme_ledger.store.objects", "s3_client"),
    "sqs": ("cme_ledger.store.queue", "_sqs"),
    "sesv2": ("cme_ledger.store.reminders", "_ses"),
    "reports-s3": ("cme_ledger.store.board_reports", "_s3"),
}

# Modules every API request uses but that nothing imports before the first one.
_REQUEST_PATH = (
    "aws_lambda_powertools.event_handler.openapi.dependant",
    "aws_lambda_powertools.event_handler.openapi.encoders",
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
    "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event",
    "zoneinfo",
)

_registered: set[int] = set()  # id() of the apis whose hooks this process registered


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No garbage collection while the handler module imports, and none of it walked afterwards.

    An import allocates hundreds of thousands of long-lived objects (modules, classes, functions,
    pydantic schemas) and almost no garbage: the collector's passes over them are pure cost, a
    tenth of the import. They are frozen at the end (moved out of the generations the collector
    walks), so the first requests do not pay for one big pass over them either. What was garbage
    before is collected first (little, in a fresh interpreter), so that nothing of it is frozen.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def register(
    api: Any,
    *,
    clients: Iterable[str] = (),
    preload: Iterable[str] = (),
) -> None:
    """Register the SnapStart hooks of one API function (its app.py calls this once, at import).

    `api` is the function's api.entry.Api (its resolver and every route's validation models are
    built before the snapshot); `clients` names entries of CLIENTS the function calls; `preload`
    names what its routes load on first use: a module ("cme_ledger.jobs") or a function to call
    ("package.module:function").
    Registering the same api again (a test importing a handler twice) adds nothing.
    """
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    if id(api) in _registered:
        return
    unknown = [name for name in clients if name not in CLIENTS]
    if unknown:
        raise ValueError(f"unknown clients {unknown}: known are {sorted(CLIENTS)}")
    _registered.add(id(api))
    register_before_snapshot(before_snapshot, api, tuple(clients), tuple(preload))
    register_after_restore(after_restore)


def before_snapshot(api: Any, clients: tuple[str, ...] = (), preload: tuple[str, ...] = ()) -> None:
    """Build what the function's requests use, then collect and freeze (Lambda: once per version)."""
    from cme_ledger.config import get_settings

    get_settings()
    for module in _REQUEST_PATH:
        importlib.import_module(module)
    for name in clients:
        _call(*CLIENTS[name])
    for item in preload:
        module, _, function = item.partition(":")
        if function:
            _call(module, function)
        else:
            importlib.import_module(module)
    app = api.app
    validation_models(app)
    _resolve_once(app)
    gc.collect()
    gc.freeze()


def after_restore() -> None:
    """Make unique what the snapshot shares between environments (Lambda: after every restore)."""
    from cme_ledger import runtime
    from cme_ledger.api import cursor
    from cme_ledger.services import catalog

    random.seed()  # from os.urandom: each restored environment its own sequence
    cursor.reset_secret()
    # Its age is measured on time.monotonic(), which need not count the time a snapshot spent
    # cached: a copy read before the snapshot could pass for fresh days later.
    catalog.forget()
    if static_credentials():
        runtime.reset_clients()


def static_credentials() -> bool:
    """Whether the credentials in this environment are temporary keys of its own (a session token
    in the environment), which a snapshot would keep past their expiry. Lambda gives SnapStart
    functions container credentials instead (botocore fetches them again when they expire), and
    long-lived keys (a local stack's) do not expire: clients are kept in both cases."""
    container = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or os.environ.get(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    )
    return bool(os.environ.get("AWS_SESSION_TOKEN")) and not container


def validation_models(app: Any) -> int:
    """Build every route's request and response validation models (Powertools builds a route's on
    its first request); how many routes."""
    routes = [*app._static_routes, *app._dynamic_routes]
    for route in routes:
        _ = route.dependant
        _ = route.body_field
    return len(routes)


def load_certificate_fonts() -> None:
    """Load the certificate's main faces (reportlab reads and parses each TTF on first use)."""
    from cme_ledger.certificates import fonts

    for face in ("sans", "sans-bold", "serif", "serif-bold", "serif-italic"):
        fonts.font_name(face)


def _call(module: str, function: str) -> object:
    made: Callable[[], object] = getattr(importlib.import_module(module), function)
    return made()


class _Context:
    """The LambdaContext fields Powertools reads while resolving."""

    function_name = "snapstart"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:snapstart"
    memory_limit_in_mb = 128
    aws_request_id = "snapstart"
    log_group_name = log_stream_name = "snapstart"

    def get_remaining_time_in_millis(self) -> int:
        return 1000


def _resolve_once(app: Any) -> None:
    """One request through the resolver that no route takes: Powertools' event classes, routing,
    the not-found answer and its JSON, without running any route (nothing is read or written)."""
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/.snapstart",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": "GET", "path": "/.snapstart", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "snapstart",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    app.resolve(event, _Context())
