"""What an API function's handler module builds at import: its resolver, made on first use.

The resolver is Powertools' event handler with OpenAPI validation (pydantic and its models), the
function's routes and everything they call (services, store, domain). Built at import, that is more
than half the import of a handler module, and a cold start without SnapStart pays the import before
Lambda hands the function its event, on every first deploy, with SnapStart=Disabled and in regions
without it. A handler module therefore imports only what every invocation needs before it is
routed (settings come later too): the logger, metrics and tracer, whose Tracer patches botocore
before any client exists. `Api.app` builds the resolver the first time it is asked for: by the
first request, or, with SnapStart, by the before-snapshot hook (cme_ledger/snapstart.py), so that a
version's snapshot holds it built and no restored environment builds it again.

Either way the build runs with the garbage collector out of it and its objects frozen afterwards,
as the import does (`snapstart.quiet_gc`). bench/imports_bench.py measures the import and the
import with the build, both against `import boto3`.

Importing this module costs nothing beyond the standard library.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from cme_ledger import snapstart

if TYPE_CHECKING:
    from cme_ledger.api.resolver import ApiResolver


class Api:
    """One API function's resolver, built from its routes module on first use.

    `routes` names the module whose `router` (an api.routing.ApiRouter) holds the function's routes;
    `admin_only`, whether every route refuses callers outside the admin group.
    """

    def __init__(self, routes: str, *, admin_only: bool = False) -> None:
        self.routes = routes
        self.admin_only = admin_only
        self._app: ApiResolver | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._app is not None

    @property
    def app(self) -> ApiResolver:
        """The resolver, built once (the lock: a local stack thread may ask while another builds)."""
        app = self._app
        if app is None:
            with self._lock:
                app = self._app
                if app is None:
                    app = self._app = self._build()
        return app

    def _build(self) -> ApiResolver:
        with snapstart.quiet_gc():
            from cme_ledger.api.resolver import create_app

            router = importlib.import_module(self.routes).router
            return create_app(router)

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The answer to one API request (api.resolver.resolve), building the resolver if need be."""
        app = self.app
        from cme_ledger.api.resolver import resolve

        return resolve(app, event, context, admin_only=self.admin_only)
