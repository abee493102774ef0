"""Hypothesis over what the OpenAPI document cannot say: raw bodies, headers, paths and query strings.

Each property is checked over real HTTP against the session's local stack, as the fuzz learner of
`fuzz_world` (premium, full profile, credit). No answer is a 5xx, every refusal is API.md's
envelope, every success matches the stack's OpenAPI document for its operation (tests/fuzz/documented.py),
and where the right answer is knowable from the input alone, it is that answer.
"""

from __future__ import annotations

import json
import string
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FuzzWorld, fuzz_examples, fuzz_seed
from tests.fuzz.documented import Document
from tests.fuzz.envelope import envelope_problems
from tests.stack import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

FUZZ = settings(
    max_examples=fuzz_examples(),
    derandomize=fuzz_seed() is not None,  # make test: the same examples every run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
BODY_ROUTES = [
    ("PUT", "/me"),
    ("POST", "/claims"),
    ("POST", "/claims/preview"),
    ("POST", "/claims/{claim_id}/evaluation"),
    ("PUT", "/me/requirements"),
    ("POST", "/me/external-credits"),
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Header values as HTTP carries them: printable ASCII, no spaces around (requests refuses those).
HEADER_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation + " ", max_size=300
).map(lambda s: s.strip(" "))


class Stack:
    def __init__(self, local_stack: LocalStackProcess, world: FuzzWorld) -> None:
        self.url = local_stack.url
        self.world = world
        self.session = requests.Session()
        self.document = Document(self.url)

    def call(self, method: str, path: str, *, bearer: str | None = None, **kwargs: Any) -> requests.Response:
        """`path` as documented: {claim_id} is the fuzz learner's first claim."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Authorization", f"Bearer {bearer or self.world.learner_token}")
        path = path.replace("{claim_id}", self.world.claim_ids[0])
        return self.session.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def documented(self, method: str, path: str, response: requests.Response) -> None:
        """A success must be one the operation documents, in the documented shape."""
        problems = self.document.problems(method, path, response)
        assert not problems, problems


@pytest.fixture(scope="module")
def stack(local_stack: LocalStackProcess, fuzz_world: FuzzWorld) -> Stack:
    return Stack(local_stack, fuzz_world)


def refused(response: requests.Response, *statuses: int) -> dict[str, Any]:
    """The error of a refusal with one of `statuses`, after checking the envelope."""
    assert response.status_code in statuses, f"{response.status_code}: {response.text[:500]}"
    body = response.json()
    problems = envelope_problems(response.status_code, body)
    assert not problems, problems
    return dict(body["error"])


def _parses(raw: bytes) -> bool:
    try:
        json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_a_body_of_any_bytes_is_400_or_422(stack: Stack, method: str, path: str, raw: bytes) -> None:
    """No body: 422 (the body is required); bytes that are not JSON: 400 malformed_json."""
    response = stack.call(method, path, data=raw, headers={"Content-Type": "application/json"})
    if not raw:
        assert refused(response, 422)["details"] == [{"field": "body", "reason": "Field required"}]
    elif _parses(raw):
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            refused(
                response, 400, 409, 422
            )  # JSON values "[]", "1", "null"... are shapes, never valid bodies
        else:
            stack.documented(method, path, response)
    else:
        assert refused(response, 400)["code"] == "malformed_json"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@FUZZ
@given(value=JSON_VALUES)
def test_any_json_value_is_answered_in_the_envelope(stack: Stack, method: str, path: str, value: Any) -> None:
    # json.dumps writes NaN and Infinity as Python's json does (and the service's parser reads them).
    data = json.dumps(value).encode()
    response = stack.call(method, path, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        refused(response, 400, 403, 404, 409, 422)
    else:
        stack.documented(method, path, response)


@FUZZ
@given(content_type=HEADER_TEXT)
def test_any_content_type_with_a_json_body_is_read_as_json(stack: Stack, content_type: str) -> None:
    response = stack.call(
        "PUT", "/me", data=b'{"display_name": "Dr. Fuzz Learner"}', headers={"Content-Type": content_type}
    )
    assert response.status_code == 200, f"{content_type!r}: {response.status_code} {response.text[:300]}"
    stack.documented("PUT", "/me", response)
    assert response.json()["display_name"] == "Dr. Fuzz Learner"


@FUZZ
@given(key=HEADER_TEXT)
def test_any_idempotency_key(stack: Stack, key: str) -> None:
    """1..255 characters: the claim goes on (here to credits_unavailable); empty or longer: 422."""
    body = {"selections": [{"credit_id": "no-such-credit"}]}
    response = stack.call("POST", "/claims", json=body, headers={"Idempotency-Key": key})
    if 1 <= len(key) <= 255:
        error = refused(response, 409)
        assert error["code"] == "credits_unavailable"
        assert error["details"] == [{"credit_id": "no-such-credit", "reason": "unknown"}]
    else:
        assert refused(response, 422)["code"] == "validation_error"


@FUZZ
@given(value=HEADER_TEXT)
def test_any_authorization_header_but_a_valid_token_is_401(stack: Stack, value: str) -> None:
    response = stack.call("GET", "/me", headers={"Authorization": value})
    assert refused(response, 401)["code"] == "unauthorized"


@FUZZ
@given(claim_id=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=100))
def test_any_claim_id_is_404_or_422(stack: Stack, claim_id: str) -> None:
    """Not the caller's claim: 404 (1..64 characters) or 422 (longer), on every claim route."""
    # "." and ".." are dot segments: HTTP clients resolve them away, so they never reach a claim route.
    assume(claim_id not in (".", ".."))
    segment = quote(claim_id, safe="")
    for method, path in (("GET", "/claims/{}"), ("GET", "/claims/{}/certificate")):
        response = stack.call(method, path.format(segment))
        if len(claim_id) <= 64:
            assert refused(response, 404)["code"] == "not_found"
        else:
            assert refused(response, 422)["code"] == "validation_error"


@FUZZ
@given(external_credit_id=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=100))
def test_any_external_credit_id_is_404_or_422(stack: Stack, external_credit_id: str) -> None:
    """Not one of the caller's external credits: 404 (1..64 characters) or 422 (longer), to read or delete."""
    segment = quote(external_credit_id, safe="")
    for method in ("GET", "DELETE"):
        response = stack.call(method, f"/me/external-credits/{segment}")
        if external_credit_id in (".", ".."):
            assert response.status_code < 500
            continue
        if external_credit_id in stack.world.external_credit_ids:
            continue  # a real one (never drawn in practice)
        if len(external_credit_id) <= 64:
            assert refused(response, 404)["code"] == "not_found"
        else:
            assert refused(response, 422)["code"] == "validation_error"


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["limit", "cursor", "sort", "order", "credit_type", "course_id", "redirect", "on", "code"]
        ),
        st.text(max_size=40),
        max_size=4,
    ),
    path=st.sampled_from(
        [
            "/credits",
            "/credits/summary",
            "/claims",
            "/courses",
            "/credit-types",
            "/me/requirements/progress",
            "/me/requirements/explanation",
            "/me/external-credits",
        ]
    ),
)
def test_any_query_string_is_200_or_422(stack: Stack, query: dict[str, str], path: str) -> None:
    response = stack.call("GET", path, params=query)
    if response.status_code == 200:
        stack.documented("GET", path, response)
    else:
        assert refused(response, 422)["code"] == "validation_error"


@FUZZ
@given(code=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=80))
def test_any_verification_code_is_404_without_a_token(stack: Stack, code: str) -> None:
    assume(code not in (".", ".."))  # dot segments never reach the route (see above)
    response = requests.get(f"{stack.url}/verify/{quote(code, safe='')}", timeout=30)
    real = {c.replace("-", "").upper() for c in stack.world.certificate_codes}
    if code.replace("-", "").upper() in real:
        assert response.status_code == 200
        stack.documented("GET", "/verify/{code}", response)
        assert response.json()["valid"] is True
    else:
        assert refused(response, 404)["code"] == "not_found"


def test_a_body_over_10_mb_is_413_in_the_envelope(stack: Stack) -> None:
    response = stack.call("PUT", "/me", data=b" " * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert envelope_problems(413, response.json(), gateway=True) == []


def test_too_many_selections_is_a_422(stack: Stack) -> None:
    body = {"selections": [{"credit_id": f"c{i}"} for i in range(5001)]}
    assert refused(stack.call("POST", "/claims", json=body), 422)["code"] == "validation_error"
