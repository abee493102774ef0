"""Schemathesis over every operation of the running stack's /openapi.json, with real tokens.

Learner routes are called as the fuzz learner of `fuzz_world` (profile, premium, credit of every
type, claims, requirement sets, external credit), admin routes as an admin. Generated claim ids,
certificate codes, external credit ids and selected credit ids are sometimes swapped for real ones
(the learner's, and another learner's), so that requests reach the domain code rather than stopping
at "not found". Each answer must be: never a 5xx; a
status the document lists for the operation; the documented content type and schema; for a 4xx,
exactly API.md's error envelope with a code API.md names at its status; and schema-invalid input
refused with a 4xx. Phases: coverage (boundary values of every parameter and field, missing and
extra ones, wrong types) and fuzzing (CME_FUZZ_EXAMPLES random examples per operation).
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FuzzWorld, fuzz_examples, fuzz_seed
from tests.fuzz.envelope import envelope_problems
from tests.stack import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]


@schemathesis.check
def error_envelope(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> bool | None:
    """Every 4xx is exactly API.md's envelope, with a code API.md names at this status."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(
            f"{response.status_code} with a body that is not JSON: {response.text[:300]!r}"
        ) from exc
    # The coverage phase also sends methods the path does not have: the gateway refuses those itself.
    undocumented_method = case.method.upper() != case.operation.method.upper()
    problems = envelope_problems(response.status_code, body, gateway=undocumented_method)
    if problems:
        raise AssertionError(f"{response.status_code}: " + "; ".join(problems))
    return True


@schemathesis.check
def no_server_error(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> bool | None:
    """API.md: no input, however malformed, gets a 5xx."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:500]}")
    return True


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    error_envelope,
]


def _swap_some(draw: Any, values: list[str], pool: list[str]) -> list[str]:
    """Each value kept or replaced by a distinct real id from `pool`."""
    if not pool:
        return values
    real = draw(st.permutations(pool))
    return [real[i] if i < len(real) and draw(st.booleans()) else v for i, v in enumerate(values)]


def _register_hooks(schema: Any, world: FuzzWorld) -> None:
    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return st.just(path_parameters)
        pools: dict[str, list[str]] = {
            "claim_id": world.claim_ids + world.other_claim_ids,
            "code": world.certificate_codes,
            "list_id": world.status_list_ids,
            "id": world.external_credit_ids + world.other_external_credit_ids,
        }
        for name, pool in pools.items():
            value = path_parameters.get(name)
            # Only a valid generated value is swapped: a case meant to be invalid stays invalid.
            if isinstance(value, str) and 0 < len(value) <= 64 and pool:
                swapped = [{**path_parameters, name: real} for real in pool]
                return st.one_of(st.just(path_parameters), st.sampled_from(swapped))
        return st.just(path_parameters)

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        operation = context.operation
        if operation is None or operation.path not in ("/claims", "/claims/preview"):
            return st.just(body)
        selections = body.get("selections") if isinstance(body, dict) else None
        if not isinstance(selections, list) or not all(
            isinstance(s, dict) and isinstance(s.get("credit_id"), str) and 0 < len(s["credit_id"]) <= 128
            for s in selections
        ):
            return st.just(body)

        @st.composite
        def real_credits(draw: Any) -> dict[str, Any]:
            pool = world.credit_ids + world.other_credit_ids[:2]
            ids = _swap_some(draw, [s["credit_id"] for s in selections], pool)
            if len(set(ids)) != len(ids):
                return dict(body)  # swapped into a duplicate: keep the generated selection
            chosen = []
            for selection, credit_id in zip(selections, ids, strict=True):
                swapped = {**selection, "credit_id": credit_id}
                if draw(st.booleans()):  # amounts the ledger accepts: a quarter, or all that is left
                    amount = draw(st.sampled_from([None, 0.25, 0.5]))
                    swapped.pop("amount", None)
                    if amount is not None:
                        swapped["amount"] = amount
                chosen.append(swapped)
            return {**body, "selections": chosen}

        return st.one_of(st.just(body), real_credits())

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        # Claims the fuzzer made become ids it tries on the other claim routes.
        if case.operation.path == "/claims" and case.method.upper() == "POST" and response.status_code == 201:
            claim_id = response.json().get("claim_id")
            if isinstance(claim_id, str) and claim_id not in world.claim_ids:
                world.claim_ids.append(claim_id)


@pytest.fixture(scope="session")
def fuzz_schema(local_stack: LocalStackProcess, fuzz_world: FuzzWorld) -> Any:
    seed = fuzz_seed()
    config = schemathesis.Config.from_dict(
        {
            "base-url": local_stack.url,
            **({"seed": seed} if seed is not None else {}),
            "suppress-health-check": ["all"],
            # The token is the test's (learner or admin); the authorizer's refusals are the matrix's.
            "generation": {
                "max-examples": fuzz_examples(),
                "deterministic": seed is not None,
                "database": "none",
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": False},  # the document carries no examples
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )
    schema = schemathesis.openapi.from_url(f"{local_stack.url}/openapi.json", config=config, timeout=30)
    _register_hooks(schema, fuzz_world)
    return schema


schema = schemathesis.pytest.from_fixture("fuzz_schema")


# One pytest item runs every operation (as subtests): its time grows with CME_FUZZ_EXAMPLES.
@pytest.mark.timeout(max(600, 6 * fuzz_examples()))
@schema.parametrize()
def test_every_operation_holds_under_fuzzing(case: Any, fuzz_world: FuzzWorld) -> None:
    token = fuzz_world.token_for(case.operation.path)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=60)


def test_the_ledger_audits_clean_after_fuzzing(local_stack: LocalStackProcess, fuzz_world: FuzzWorld) -> None:
    """Fuzzed claims are real claims: the ledger's invariants still hold afterwards."""
    assert local_stack.audit() == []
