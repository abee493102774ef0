"""The API handlers are never driven from two threads at once in tests (issue 15).

Powertools' resolver keeps the request it is resolving in `BaseRouter.current_event`, a class
attribute every resolver in the process shares: a handler running in one thread reads whichever
request another thread resolved last. A concurrency test that called the handlers from threads
raced on that attribute as well as on the ledger. `tests.support.call` now refuses a second thread;
concurrency is driven through the domain functions (test_claim_concurrency.py).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests import support


def test_a_second_thread_in_the_handlers_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    inside, release = threading.Event(), threading.Event()

    def slow_handler(function: Any, event: dict[str, Any]) -> dict[str, Any]:
        inside.set()
        release.wait(30)
        return {"statusCode": 200, "body": '{"status": "ok"}'}

    monkeypatch.setattr(support, "invoke", slow_handler)
    answers: list[support.Reply] = []
    first = threading.Thread(target=lambda: answers.append(support.call("GET", "/health", user=None)))
    first.start()
    try:
        assert inside.wait(30)
        with pytest.raises(support.ConcurrentHandlerCall):
            support.call("GET", "/health", user=None)
    finally:
        release.set()
        first.join(30)
    assert [a.status for a in answers] == [200]
    # Once the first thread is out, calls go through again.
    assert support.call("GET", "/health", user=None).status == 200
