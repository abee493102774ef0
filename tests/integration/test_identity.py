"""Who the caller is, from the event API Gateway's JWT authorizer hands the function (issue 12, point 6)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cme_ledger.api.resolver import identity_of
from infra.localstack.auth import gateway_claims


def _event(claims: dict[str, Any], *, token_claims: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event for a token carrying `claims`, as API Gateway passes it (claims flattened to strings)."""
    payload = base64.urlsafe_b64encode(json.dumps(token_claims or claims).encode()).rstrip(b"=").decode()
    return {
        "headers": {"authorization": f"Bearer eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"},
        "requestContext": {"authorizer": {"jwt": {"claims": gateway_claims(claims)}}},
    }


@pytest.mark.parametrize(
    "groups",
    [["[admin]"], ["staff admin"], "notadmin,admin", "[admin]", ["administrators"], ["Admin"], [], ""],
)
def test_groups_that_only_look_like_admin_are_not_admin(groups: Any) -> None:
    identity = identity_of(_event({"sub": "mallory", "cognito:groups": groups}))
    assert identity is not None and not identity.is_admin


@pytest.mark.parametrize("groups", [["admin"], ["staff", "admin"], ["admin", "[x]"]])
def test_the_admin_group_among_others_is_admin(groups: list[str]) -> None:
    identity = identity_of(_event({"sub": "ada", "cognito:groups": groups}))
    assert identity is not None and identity.is_admin


def test_without_the_token_the_flattened_claim_is_read_exactly() -> None:
    event = {
        "requestContext": {"authorizer": {"jwt": {"claims": {"sub": "a", "cognito:groups": "[staff admin]"}}}}
    }
    identity = identity_of(event)
    assert identity is not None and identity.groups == frozenset({"staff", "admin"})
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[[admin]]"
    assert identity_of(event).groups == frozenset({"[admin]"})  # type: ignore[union-attr]


def test_a_token_of_another_subject_does_not_shape_the_groups() -> None:
    event = _event(
        {"sub": "mallory", "cognito:groups": ["staff", "admin"]},
        token_claims={"sub": "other", "cognito:groups": ["staff admin"]},
    )
    identity = identity_of(event)
    assert identity is not None and identity.groups == frozenset({"staff", "admin"})
