"""The auth matrix: every route of template.yaml by every kind of caller, over HTTP, each cell the
status and error code API.md names.

Rows are generated from template.yaml (`tpl.routes()`), so a new route gets its cells without an
edit here, and `test_the_matrix_covers_every_template_route` fails until it has the concrete values
(path parameters, a valid body) its cells need. Columns:

- public routes answer without a token, and ignore a bad one (the template gives them no authorizer);
- every other route: 401 `unauthorized` for each refused credential (none, empty, garbage, expired,
  wrong issuer, wrong audience, another key, alg none, alg HS256, not yet valid, forged claims,
  no sub, Basic scheme), also with a malformed body (401 comes first);
- admin routes: 403 `forbidden` for a learner token (also with a malformed body: 403 comes before
  400), the documented success for an admin token;
- learner A on learner B's claim, certificate, credit and external credit ids: 404 `not_found` for
  the claim and external credit routes, 409 `credits_unavailable` with reason `unknown` for claims
  and previews of B's credit, and B's data unchanged;
- an admin token on learner routes: the admin's own learner identity, never anyone else's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra import template as tpl
from infra.localstack import auth
from tests.fuzz.envelope import envelope_problems
from tests.stack import Api, LocalStackProcess, expect, token

pytestmark = pytest.mark.e2e

ROUTES = tpl.routes()
PUBLIC = [r for r in ROUTES if r.public]
PROTECTED = [r for r in ROUTES if not r.public]
ADMIN = [r for r in PROTECTED if r.path.startswith("/admin/")]
LEARNER = [r for r in PROTECTED if not r.path.startswith("/admin/")]
CROSS_LEARNER_CLAIM_ROUTES = [r for r in LEARNER if "{claim_id}" in r.path]
CROSS_LEARNER_EXTERNAL_ROUTES = [r for r in LEARNER if r.path.startswith("/me/external-credits/{id}")]
CLAIMING_ROUTES = ["POST /claims", "POST /claims/preview"]


# ---------------------------------------------------------------------- the world the cells use


@dataclass
class World:
    a: str  # learner A: premium, full profile, credit, a claim
    b: str  # learner B: the same, whose ids A tries
    admin: str
    course_id: str
    a_credits: list[str]
    b_credits: list[str]
    a_claim: str
    b_claim: str
    b_code: str
    a_code: str = ""
    b_external: str = ""  # B's external credit
    values: dict[str, str] = field(default_factory=dict)  # path parameter -> value


@pytest.fixture(scope="module")
def world(local_stack: LocalStackProcess) -> World:
    api = Api(local_stack.url)
    suffix = uuid.uuid4().hex[:8]
    a, b, admin = f"matrix-a-{suffix}", f"matrix-b-{suffix}", f"matrix-admin-{suffix}"
    course_id = f"matrix-{suffix}"
    course = {"title": "Matrix", "provider": "Matrix Provider", "credit_types": ["AMA_PRA_1", "ACEP"]}
    expect(api.put(f"/admin/courses/{course_id}", user=admin, admin=True, json=course), 200)
    credits: dict[str, list[str]] = {}
    for user in (a, b):
        expect(api.put("/me", user=user, json={"display_name": f"Dr. {user}", "degree": "MD"}), 200)
        premium = {"premium_until": "2099-01-01T00:00:00Z"}
        expect(api.put(f"/admin/members/{user}/membership", user=admin, admin=True, json=premium), 200)
        items = [
            {
                "user_id": user,
                "course_id": course_id,
                "topic": f"Topic {i}",
                "amount": 1,
                "earned_at": f"2026-01-1{i}T10:00:00Z",
                "source_id": f"{user}-{i}",
            }
            for i in range(4)
        ]
        recorded = expect(api.post("/admin/credits", user=admin, admin=True, json={"items": items}), 201)
        credits[user] = [item["credit_id"] for item in recorded["items"]]
    claims = {}
    for user in (a, b):
        body = {"selections": [{"credit_id": credits[user][0]}]}
        headers = {"Idempotency-Key": f"matrix-{user}"}
        claims[user] = expect(api.post("/claims", user=user, json=body, headers=headers), 201)
    deadline = time.monotonic() + 60
    while expect(api.get(f"/claims/{claims[b]['claim_id']}", user=b), 200)["status"] != "ready":
        assert time.monotonic() < deadline, "B's certificate was not rendered within 60 s"
        time.sleep(0.25)
    found = World(
        a=a,
        b=b,
        admin=admin,
        course_id=course_id,
        a_credits=credits[a],
        b_credits=credits[b],
        a_claim=claims[a]["claim_id"],
        b_claim=claims[b]["claim_id"],
        b_code=claims[b]["certificates"][0]["certificate_code"],
        a_code=claims[a]["certificates"][0]["certificate_code"],
    )
    external = {
        "title": "Matrix Conference",
        "provider": "Elsewhere",
        "credit_type": "AMA_PRA_2",
        "amount": 3,
        "completed_on": "2026-01-10",
    }
    found.b_external = expect(api.post("/me/external-credits", user=b, json=external), 201)[
        "external_credit_id"
    ]
    # B's status list: the one B's credential names.
    [credential] = expect(api.get(f"/claims/{found.b_claim}/credentials", user=b), 200)["items"]
    payload = json.loads(base64.urlsafe_b64decode(credential["credential"].split(".")[1] + "=="))
    list_id = payload["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
    # Concrete path parameters: B's claim and external credit (refused as 401/403 before any lookup),
    # A as the member.
    found.values = {
        "claim_id": found.b_claim,
        "code": found.b_code,
        "course_id": course_id,
        "user_id": a,
        "list_id": list_id,
        "id": found.b_external,
    }
    return found


def path_of(route: tpl.Route, world: World, **overrides: str) -> str:
    path = route.path
    for name, value in {**world.values, **overrides}.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no value for a path parameter of {route.route_key}"
    return path


def valid_body(route_key: str, world: World) -> Any:
    """A body API.md accepts, so that the caller is the only reason for a refusal."""
    bodies: dict[str, Any] = {
        "PUT /me": {"display_name": "Dr. Matrix"},
        "POST /claims": {"selections": [{"credit_id": world.a_credits[1]}]},
        "POST /claims/preview": {"selections": [{"credit_id": world.a_credits[1]}]},
        "POST /claims/{claim_id}/evaluation": {
            "ratings": {"overall": 5, "relevance": 4, "quality": 5},
            "free_of_bias": True,
        },
        "PUT /admin/courses/{course_id}": {
            "title": "Matrix (renamed)",
            "provider": "Matrix Provider",
            "credit_types": ["AMA_PRA_1", "ACEP"],
        },
        "POST /admin/credits": {
            "items": [
                {
                    "user_id": world.a,
                    "course_id": world.course_id,
                    "topic": "Granted by the matrix",
                    "amount": 0.5,
                    "source_id": "matrix-granted",
                }
            ]
        },
        "PUT /admin/members/{user_id}/membership": {"premium_until": "2099-01-01T00:00:00Z"},
        "PUT /me/requirements": {"items": [{"code": "ABIM_MOC", "cycle_start": "2024-01-01"}]},
        "POST /me/external-credits": {
            "title": "Matrix Course",
            "provider": "Elsewhere",
            "credit_type": "AMA_PRA_1",
            "amount": 1.5,
            "completed_on": "2026-01-15",
        },
        "POST /admin/sweeps/expiry": None,
        "POST /admin/reports/abp": None,
        "POST /admin/reminders/run": None,
        "POST /admin/certificates/{code}/revoke": {"reason": "Revoked by the auth matrix"},
    }
    return bodies[route_key]


BODY_ROUTES = {r.route_key for r in ROUTES if r.method in ("POST", "PUT")}


# ---------------------------------------------------------------------- credentials the authorizer refuses


def _signed(claims: dict[str, Any], *, key: Any = None, algorithm: str = "RS256", kid: bool = True) -> str:
    signing = auth.signing_key()
    headers = {"kid": signing.kid} if kid else {}
    return jwt.encode(
        claims, key if key is not None else signing.private_key, algorithm=algorithm, headers=headers
    )


def _claims(sub: str = "mallory", **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": sub, "iss": auth.ISSUER, "aud": auth.AUDIENCE, "iat": now, "exp": now + 3600, **extra}


def _forged_admin() -> str:
    """A real learner token whose payload is edited to add the admin group (signature kept)."""
    header, _, signature = token("mallory").split(".")
    payload = {**_claims(), "cognito:groups": ["admin"]}
    edited = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def _hs256_with_public_key() -> str:
    """Algorithm confusion: HS256 keyed with the RSA public key the authorizer verifies with."""
    public = auth.signing_key().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in ({"alg": "HS256", "typ": "JWT"}, _claims())
    ]
    signing_input = b".".join(segments)
    mac = base64.urlsafe_b64encode(hmac.new(public, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + mac).decode()


def _no_sub() -> str:
    claims = _claims()
    del claims["sub"]
    return _signed(claims)


# Authorization header values; None sends no header.
REFUSED_CREDENTIALS: dict[str, Callable[[], str | None]] = {
    "no token": lambda: None,
    "empty bearer": lambda: "Bearer ",
    "garbage token": lambda: "Bearer not-a-jwt",
    "expired token": lambda: f"Bearer {token('mallory', expires_in=-60)}",
    "wrong issuer": lambda: (
        f"Bearer {token('mallory', issuer='https://cognito-idp.us-east-1.amazonaws.com/other')}"
    ),
    "wrong audience": lambda: f"Bearer {token('mallory', audience='some-other-client')}",
    "other key": lambda: (
        "Bearer " + _signed(_claims(), key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    ),
    "alg none": lambda: "Bearer " + jwt.encode(_claims(), None, algorithm="none"),  # type: ignore[arg-type]
    "alg HS256 keyed with the public key": lambda: f"Bearer {_hs256_with_public_key()}",
    "not yet valid": lambda: "Bearer " + _signed(_claims(nbf=int(time.time()) + 3600)),
    "forged admin group": lambda: f"Bearer {_forged_admin()}",
    "no sub": lambda: f"Bearer {_no_sub()}",
    "basic scheme": lambda: "Basic dXNlcjpwYXNz",
}


# Validly signed tokens whose groups only look like admin: API Gateway flattens array claims to
# "[a b]", and group names are compared whole, so none of these is the admin group.
LOOKALIKE_GROUPS: dict[str, Any] = {
    'groups ["[admin]"]': ["[admin]"],
    'groups ["staff admin"]': ["staff admin"],
    'groups "notadmin,admin"': "notadmin,admin",
    'groups "[admin]" (a string)': "[admin]",
    'groups ["administrators"]': ["administrators"],
}


# ---------------------------------------------------------------------- the cells


@dataclass(frozen=True)
class Cell:
    route: tpl.Route
    case: str
    status: int
    code: str | None = None  # the error code, for a refusal

    @property
    def id(self) -> str:
        return f"{self.route.route_key} | {self.case}"


SUCCESS = {"POST /admin/credits": 201}


def _cells() -> list[Cell]:
    cells: list[Cell] = []
    for route in PUBLIC:
        cells.append(Cell(route, "no token", 200))
        cells.append(Cell(route, "garbage token", 200))  # no authorizer: the header is ignored
    for route in PROTECTED:
        cells.extend(Cell(route, case, 401, "unauthorized") for case in REFUSED_CREDENTIALS)
        if route.route_key in BODY_ROUTES:
            cells.append(Cell(route, "no token, malformed body", 401, "unauthorized"))
    for route in ADMIN:
        cells.append(Cell(route, "learner token", 403, "forbidden"))
        cells.extend(Cell(route, case, 403, "forbidden") for case in LOOKALIKE_GROUPS)
        if route.route_key in BODY_ROUTES:
            cells.append(Cell(route, "learner token, malformed body", 403, "forbidden"))
        cells.append(Cell(route, "admin token", SUCCESS.get(route.route_key, 200)))
    for route in CROSS_LEARNER_CLAIM_ROUTES:
        cells.append(Cell(route, "learner A on B's claim", 404, "not_found"))
        cells.append(Cell(route, "admin on B's claim", 404, "not_found"))
    for route in CROSS_LEARNER_EXTERNAL_ROUTES:
        cells.append(Cell(route, "learner A on B's external credit", 404, "not_found"))
        cells.append(Cell(route, "admin on B's external credit", 404, "not_found"))
    for route in LEARNER:
        if route.route_key in CLAIMING_ROUTES:
            cells.append(Cell(route, "learner A selects B's credit", 409, "credits_unavailable"))
            cells.append(Cell(route, "learner A selects B's and own credit", 409, "credits_unavailable"))
    return cells


CELLS = _cells()


def _call(api: Api, cell: Cell, world: World) -> Any:
    route, case = cell.route, cell.case
    headers: dict[str, str] = {}
    overrides: dict[str, str] = {}
    body = valid_body(route.route_key, world) if route.route_key in BODY_ROUTES else None
    raw: bytes | None = None
    if case in REFUSED_CREDENTIALS:
        value = REFUSED_CREDENTIALS[case]()
        if value is not None:
            headers["Authorization"] = value
    elif case in LOOKALIKE_GROUPS:
        headers["Authorization"] = "Bearer " + _signed(
            _claims(world.a, **{"cognito:groups": LOOKALIKE_GROUPS[case]})
        )
    elif case == "no token, malformed body":
        raw = b'{"not": json'
    elif case in (
        "learner token",
        "learner token, malformed body",
        "learner A on B's claim",
        "learner A on B's external credit",
    ):
        headers["Authorization"] = f"Bearer {token(world.a)}"
        if case.endswith("malformed body"):
            raw = b'{"not": json'
    elif case in ("admin token", "admin on B's claim", "admin on B's external credit"):
        headers["Authorization"] = f"Bearer {token(world.admin, admin=True)}"
        if route.route_key == "PUT /admin/courses/{course_id}":
            overrides["course_id"] = f"{world.course_id}-admin"  # leave the matrix's course as it is
        if route.route_key == "PUT /admin/members/{user_id}/membership":
            overrides["user_id"] = f"{world.a}-admin"
        if route.route_key == "POST /admin/certificates/{code}/revoke":
            overrides["code"] = world.a_code  # B's certificate stays valid for the public cells
        if route.route_key == "POST /admin/credits":
            [item] = valid_body(route.route_key, world)["items"]
            body = {"items": [{**item, "user_id": f"{world.a}-admin"}]}
    elif case == "learner A selects B's credit":
        headers["Authorization"] = f"Bearer {token(world.a)}"
        body = {"selections": [{"credit_id": world.b_credits[1]}]}
    elif case == "learner A selects B's and own credit":
        headers["Authorization"] = f"Bearer {token(world.a)}"
        body = {"selections": [{"credit_id": world.a_credits[2]}, {"credit_id": world.b_credits[2]}]}
    else:
        headers["Authorization"] = "Bearer not-a-jwt"  # "garbage token" on a public route
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return api.request(route.method, path_of(route, world, **overrides), headers=headers, data=raw)
    if route.route_key in BODY_ROUTES and body is not None:
        return api.request(route.method, path_of(route, world, **overrides), headers=headers, json=body)
    return api.request(route.method, path_of(route, world, **overrides), headers=headers)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(api: Api, world: World, cell: Cell) -> None:
    response = _call(api, cell, world)
    assert response.status_code == cell.status, (
        f"{cell.id}: {response.status_code}, API.md says {cell.status}: {response.text[:500]}"
    )
    if cell.code is None:
        return
    body = response.json()
    assert not envelope_problems(response.status_code, body), envelope_problems(response.status_code, body)
    assert body["error"]["code"] == cell.code, body
    if cell.code == "unauthorized":
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    if cell.code == "credits_unavailable":
        # API.md: a credit id of another learner is `unknown`; A's own, available, is not listed.
        b_credit = world.b_credits[1] if cell.case == "learner A selects B's credit" else world.b_credits[2]
        assert body["error"]["details"] == [{"credit_id": b_credit, "reason": "unknown"}]


# ---------------------------------------------------------------------- what the cells must not change


def test_b_is_unchanged_by_everything_a_tried(api: Api, world: World) -> None:
    """After the matrix: B's credit all still claimable (but the one B claimed), B's claim as B left it."""
    listed = expect(api.get("/credits", user=world.b), 200)["items"]
    claimable = {c["credit_id"]: c["claimable"] for c in listed}
    for credit_id in world.b_credits[1:]:
        assert claimable[credit_id] == {"AMA_PRA_1": 1, "ACEP": 1}, claimable
    claim = expect(api.get(f"/claims/{world.b_claim}", user=world.b), 200)
    assert claim["evaluation_submitted"] is False  # A's evaluation of it went nowhere
    rating = {"ratings": {"overall": 4, "relevance": 4, "quality": 4}, "free_of_bias": True}
    expect(api.post(f"/claims/{world.b_claim}/evaluation", user=world.b, json=rating), 201)
    assert [c["claim_id"] for c in expect(api.get("/claims", user=world.b), 200)["items"]] == [world.b_claim]
    assert world.b_claim not in {
        c["claim_id"] for c in expect(api.get("/claims", user=world.a), 200)["items"]
    }
    # A's GET and DELETE of B's external credit found nothing: B still has it, A never listed it.
    expect(api.get(f"/me/external-credits/{world.b_external}", user=world.b), 200)
    listed = expect(api.get("/me/external-credits", user=world.a), 200)["items"]
    assert world.b_external not in {c["external_credit_id"] for c in listed}


def test_a_learner_on_admin_routes_changed_nothing(api: Api, world: World) -> None:
    """The learner's 403s on the admin routes granted no credit, no membership, renamed no course."""
    a_credits = expect(api.get("/credits", user=world.a, params={"limit": 200}), 200)["items"]
    assert "Granted by the matrix" not in {c["topic"] for c in a_credits}
    courses = {c["course_id"]: c for c in expect(api.get("/courses", user=world.a), 200)["items"]}
    assert courses[world.course_id]["title"] == "Matrix"
    mallory = f"matrix-mallory-{uuid.uuid4().hex[:6]}"
    premium = {"premium_until": "2099-01-01T00:00:00Z"}
    refused = api.put(f"/admin/members/{mallory}/membership", user=mallory, json=premium)
    assert refused.status_code == 403
    assert expect(api.get("/me", user=mallory), 200)["membership"] == {
        "premium": False,
        "premium_until": None,
    }


def test_an_admin_is_their_own_learner_on_learner_routes(api: Api, world: World) -> None:
    """An admin token on a learner route acts as the admin's own learner identity, never a learner's."""
    me = expect(api.get("/me", user=world.admin, admin=True), 200)
    assert me["user_id"] == world.admin
    assert expect(api.get("/credits", user=world.admin, admin=True), 200)["items"] == []
    assert expect(api.get("/claims", user=world.admin, admin=True), 200)["items"] == []
    # Not premium: the claim is refused for membership (API.md's order: 403 before 409), B's credit unread.
    body = {"selections": [{"credit_id": world.b_credits[3]}]}
    refused = api.post("/claims", user=world.admin, admin=True, json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "membership_required"


def test_public_routes_answer_without_a_token(api: Api, world: World) -> None:
    verified = expect(api.get(f"/verify/{world.b_code}"), 200)
    assert verified["valid"] is True and verified["learner_name"] == f"Dr. {world.b}"
    # A revoked certificate still answers (valid false); B's above stays valid.
    body = {"reason": "Revoked by the auth matrix"}
    expect(
        api.post(f"/admin/certificates/{world.a_code}/revoke", user=world.admin, admin=True, json=body), 200
    )
    revoked = expect(api.get(f"/verify/{world.a_code}"), 200)
    assert (revoked["valid"], revoked["status"]) == (False, "revoked")
    unknown = api.get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------------- the matrix covers the template


def test_the_matrix_covers_every_template_route() -> None:
    """A route added to template.yaml gets cells; this fails until its values are given above."""
    by_route: dict[str, set[str]] = {}
    for cell in CELLS:
        by_route.setdefault(cell.route.route_key, set()).add(cell.case)
    assert set(by_route) == {r.route_key for r in ROUTES}
    for route in PROTECTED:
        assert set(REFUSED_CREDENTIALS) <= by_route[route.route_key], route.route_key
    for route in ADMIN:
        assert {"learner token", "admin token"} <= by_route[route.route_key], route.route_key
    # Admin routes are exactly the admin function's (which resolves with admin_only).
    assert {r.route_key for r in ADMIN} == {r.route_key for r in ROUTES if r.function == "AdminFunction"}
    # Every path parameter has a concrete value, every body route a valid body.
    params = {part[1:-1] for r in ROUTES for part in r.path.split("/") if part.startswith("{")}
    assert params == {"claim_id", "code", "course_id", "user_id", "list_id", "id"}, (
        f"give a value for {params}"
    )
    dummy = World("a", "b", "admin", "c", ["1", "2", "3", "4"], ["5", "6", "7", "8"], "ca", "cb", "code")
    for route_key in BODY_ROUTES:
        valid_body(route_key, dummy)  # a KeyError names the route without a body
    # Every claim-id route of a learner has its cross-learner cell.
    assert {r.route_key for r in CROSS_LEARNER_CLAIM_ROUTES} == {
        "GET /claims/{claim_id}",
        "GET /claims/{claim_id}/certificate",
        "GET /claims/{claim_id}/credentials",
        "POST /claims/{claim_id}/evaluation",
    }
    assert {r.route_key for r in CROSS_LEARNER_EXTERNAL_ROUTES} == {
        "GET /me/external-credits/{id}",
        "DELETE /me/external-credits/{id}",
    }


def test_every_cell_is_its_own_test() -> None:
    """No two cells share a route and case, so no cell hides another (and the ids stay readable)."""
    keys = [(cell.route.route_key, cell.case) for cell in CELLS]
    assert len(keys) == len(set(keys)) and len(CELLS) >= len(ROUTES) * 2
