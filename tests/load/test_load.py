"""A bounded load run (bench/load.py) on its own local stack: 50 learners, mixed traffic, no error.

The figures (requests per second, latency against GET /health) are printed by `make load` and
`make bench`, not asserted here: this test checks what a user would notice under load.
"""

from __future__ import annotations

import pytest

from bench.load import MIX, run_load, with_local_stack

LEARNERS = 50
# 5 each: the 50 still start together (the burst that found the listen backlog); make load sends 2,000.
REQUESTS = 250


@pytest.mark.load
@pytest.mark.timeout(900)
def test_fifty_learners_of_mixed_traffic_get_no_error_and_leave_the_ledger_consistent() -> None:
    result = with_local_stack(
        lambda stack: run_load(stack, learners=LEARNERS, requests_total=REQUESTS, credits_each=12)
    )

    # Every request answered with its documented success status; no connection was refused or reset;
    # each learner's claimed + still claimable credit equals what was seeded; the audit is clean.
    assert result.problems == []
    assert result.requests == REQUESTS
    assert {sample.kind for sample in result.samples} == set(MIX)
    # Claims race each other and the reads: 40 of the 250, from 33 learners, with the fixed seed.
    assert sum(1 for sample in result.samples if sample.kind == "claim") >= LEARNERS // 2
