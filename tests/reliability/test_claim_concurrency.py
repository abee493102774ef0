"""Eight threads claiming overlapping credits against moto's threaded server: never an over-claim."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from cme_ledger.services.audit import audit
from tests.support import call, make_course, make_premium, seed_credits

LEARNER = "learner-c"
THREADS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    from cme_ledger.config import reset_settings
    from cme_ledger.store import queue
    from infra import moto_patches
    from infra.provision import provision

    moto_patches.apply()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        stack = provision(prefix="conc", endpoint_url=endpoint, public_base_url="https://cme.test")
        for key, value in stack.shared_environment().items():
            monkeypatch.setenv(key, value)
        reset_settings()
        queue.reset_clients()
        yield stack
    finally:
        server.stop()
        queue.reset_clients()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        reset_settings()


def test_eight_threads_never_over_claim(server_stack: Any) -> None:
    make_course()
    make_premium(LEARNER)
    ids = seed_credits(LEARNER, "em", 40, amount="1.00")
    rng = random.Random(7)
    bodies = []
    for _ in range(THREADS * 3):
        chosen = rng.sample(ids, 12)
        bodies.append(
            {"selections": [{"credit_id": c, "amount": rng.choice([0.25, 0.5, 0.75, 1])} for c in chosen]}
        )

    def attempt(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply = call("POST", "/claims", user=LEARNER, body=body)
        return reply.status, body

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(attempt, bodies))

    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1 and statuses.count(409) >= 1  # the overlap did contend

    # What the winners asked for is exactly what is claimed, and never more than a credit holds.
    expected: dict[str, Decimal] = {}
    for status, body in results:
        if status == 201:
            for selection in body["selections"]:
                expected[selection["credit_id"]] = expected.get(selection["credit_id"], Decimal(0)) + Decimal(
                    str(selection["amount"])
                )
    from cme_ledger.store import credits as credit_store

    stored = credit_store.get_credits(LEARNER, ids)
    for credit_id, credit in stored.items():
        claimed = credit.claimed.get("AMA_PRA_1", Decimal(0))
        assert claimed <= credit.amount
        assert claimed == expected.get(credit_id, Decimal(0))
    assert audit() == []
