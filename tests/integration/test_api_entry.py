"""An API function's resolver is built once, on first use (cme_ledger/api/entry.py)."""

from __future__ import annotations

import threading

from cme_ledger.api.entry import Api
from cme_ledger.api.resolver import ApiResolver


def test_the_resolver_is_built_on_first_use_once_even_when_asked_at_once() -> None:
    api = Api("cme_ledger.api.routes.credits")
    assert not api.built
    start = threading.Barrier(4)
    seen: list[ApiResolver] = []

    def ask() -> None:
        start.wait()
        seen.append(api.app)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert api.built and len(seen) == 4
    assert all(app is seen[0] for app in seen)
    assert {op.route_key for op in seen[0].operations} >= {"GET /credits", "GET /credits/summary"}
