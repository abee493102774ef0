"""Eight threads claiming overlapping credits against moto's threaded server: never an over-claim.

The threads call the claim use case itself (`services.claims.create_claim`), each with its own input,
as eight Lambda containers would: never the API handlers. Powertools' resolver keeps the request it
is resolving in a class attribute (`BaseRouter.current_event`) shared by every resolver in the
process, so handlers driven from several threads can read each other's request (tests/support.py
refuses that). moto is not safe to call from several threads in one process, so the threads talk to
moto's threaded server over HTTP, as the functions talk to DynamoDB.
"""

from __future__ import annotations

import os
import random
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from cme_ledger.domain.errors import CreditsUnavailable, DomainError
from cme_ledger.services.audit import audit
from tests.support import make_course, make_premium, seed_credits

LEARNER = "learner-c"
THREADS = 8
ATTEMPTS = THREADS * 3
AMOUNTS = [Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("1")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    from cme_ledger import runtime
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
        runtime.reset()
        yield stack
    finally:
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        runtime.reset()


def claim_request(selections: dict[str, Decimal]) -> Any:
    """The domain's input for a claim body, made as the claims route makes it."""
    from cme_ledger.api.routes.claims import claim_input
    from cme_ledger.api.schemas import ClaimRequest

    body = {"selections": [{"credit_id": c, "amount": a} for c, a in selections.items()]}
    return claim_input(ClaimRequest.model_validate(body))


def test_eight_threads_never_over_claim(server_stack: Any) -> None:
    from cme_ledger.services import claims
    from cme_ledger.store import claims as claim_store
    from cme_ledger.store import credits as credit_store

    make_course()
    make_premium(LEARNER)
    ids = seed_credits(LEARNER, "em", 40, amount="1.00")
    rng = random.Random(7)
    # 24 claims of 6 of the 40 credits each: about 90 credits asked of 40 held, so some must be refused;
    # the first transaction to apply always fits, so some must go through.
    asked = [{c: rng.choice(AMOUNTS) for c in rng.sample(ids, 6)} for _ in range(ATTEMPTS)]
    requests = [claim_request(selections) for selections in asked]
    outcomes: list[DomainError | dict[str, Any] | None] = [None] * ATTEMPTS
    start_together = threading.Barrier(THREADS)

    def claimant(slot: int) -> None:
        start_together.wait(timeout=60)  # the first claims of all eight threads overlap
        for index in range(slot, ATTEMPTS, THREADS):
            try:
                outcomes[index] = claims.create_claim(LEARNER, requests[index], None)
            except DomainError as refusal:
                outcomes[index] = refusal

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for running in [pool.submit(claimant, slot) for slot in range(THREADS)]:
            running.result()  # anything but a refusal fails the test

    committed = [i for i, o in enumerate(outcomes) if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert committed, "no claim went through"
    assert all(isinstance(o, CreditsUnavailable) for o in refused), refused
    assert refused, "nothing collided: the test proves nothing"
    # Each winner's answer is the claim it asked for, and that claim is committed.
    for i in committed:
        answer = outcomes[i]
        assert isinstance(answer, dict)
        assert Decimal(str(answer["total"])) == sum(asked[i].values())
        record = claim_store.get_claim(LEARNER, answer["claim_id"])
        assert record is not None and record.status == "committed"

    # What the winners asked for is exactly what is claimed, and never more than a credit holds.
    expected: dict[str, Decimal] = {}
    for i in committed:
        for credit_id, amount in asked[i].items():
            expected[credit_id] = expected.get(credit_id, Decimal(0)) + amount
    stored = credit_store.get_credits(LEARNER, ids)
    assert set(stored) == set(ids)
    for credit_id, credit in stored.items():
        claimed = credit.claimed.get("AMA_PRA_1", Decimal(0))
        assert claimed <= credit.amount
        assert claimed == expected.get(credit_id, Decimal(0))
    assert audit() == []
