"""Portable credentials end to end on the local stack: a claim's credentials issued by the worker,
checked by `cme verify-credential` against the JWKS and status lists the stack serves (and offline),
tampered with, revoked; the verify page for people and the JSON for programs at the same URL."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from cme_ledger.domain import credentials as cr
from infra.credentials import SCHEMA_URL, decode_compact, find_schema, load_schema, schema_problems
from infra.localstack.process import LocalStackProcess
from tests.stack import Api, expect

pytestmark = pytest.mark.e2e

ADMIN: dict[str, Any] = {"user": "e2e-credentials-admin", "admin": True}
EMAIL = "learner@example.org"


def _wait_ready(api: Api, user: str, claim_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        claim = expect(api.get(f"/claims/{claim_id}", user=user), 200)
        if claim["status"] != "processing" or time.monotonic() > deadline:
            return dict(claim)
        time.sleep(0.25)


@pytest.fixture(scope="module")
def issued(api: Api) -> dict[str, Any]:
    """A learner's ready claim over two courses, and its credentials."""
    user = f"cred-{uuid.uuid4().hex[:10]}"
    courses = []
    for title in ("Wilderness Medicine", "Toxicology Review"):
        course_id = f"cred-{uuid.uuid4().hex[:8]}"
        body = {"title": title, "provider": "Summit CME", "credit_types": ["AMA_PRA_1"]}
        expect(api.put(f"/admin/courses/{course_id}", json=body, **ADMIN), 200)
        courses.append(course_id)
    items = [
        {
            "user_id": user,
            "course_id": courses[i % 2],
            "topic": f"Topic {i}",
            "amount": 0.75,
            "earned_at": f"2026-04-0{i + 1}T09:00:00Z",
            "source_id": f"cred-{i}",
        }
        for i in range(4)
    ]
    expect(api.post("/admin/credits", json={"items": items}, **ADMIN), 201)
    expect(
        api.put(f"/admin/members/{user}/membership", json={"premium_until": "2099-01-01T00:00:00Z"}, **ADMIN),
        200,
    )
    expect(api.put("/me", user=user, json={"display_name": "Mariana Østergaard", "degree": "DO"}), 200)
    created = expect(
        api.post("/claims", user=user, json={"all": True}, headers={"Idempotency-Key": str(uuid.uuid4())}),
        201,
    )
    claim = _wait_ready(api, user, created["claim_id"])
    assert claim["status"] == "ready", claim
    credentials = expect(api.get(f"/claims/{claim['claim_id']}/credentials", user=user), 200)["items"]
    return {"user": user, "claim": claim, "items": credentials}


def verify_cli(
    stack: LocalStackProcess, tmp_path: Path, token: str, *args: str
) -> tuple[int, dict[str, Any]]:
    """`cme verify-credential FILE ARGS` as a third party runs it; (exit code, its JSON answer)."""
    path = tmp_path / f"{uuid.uuid4().hex}.jwt"
    path.write_text(token, encoding="ascii")
    schema = [] if find_schema() else ["--no-schema"]
    done = stack.cli("verify-credential", str(path), *args, *schema, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def flip(part: str, at: int = 40) -> str:
    data = bytearray(cr.b64url_decode(part))
    data[at % len(data)] ^= 0x01
    return cr.b64url(bytes(data))


def test_each_credential_verifies_against_the_keys_the_stack_serves(
    local_stack: LocalStackProcess, issued: dict[str, Any], tmp_path: Path
) -> None:
    assert [i["certificate_code"] for i in issued["items"]] == [
        c["certificate_code"] for c in issued["claim"]["certificates"]
    ]
    for item in issued["items"]:
        # Online: nothing but the JWT; the keys and the status list come from its issuer's URL.
        code, answer = verify_cli(local_stack, tmp_path, item["credential"])
        assert (code, answer["reasons"]) == (0, []), answer
        assert answer["credential"]["iss"] == f"{local_stack.url}/issuer"
        assert answer["credential"]["credentialSubject"]["name"] == "Mariana Østergaard"


def test_offline_with_the_jwks_and_the_status_list_as_files(
    local_stack: LocalStackProcess, api: Api, issued: dict[str, Any], tmp_path: Path
) -> None:
    token = issued["items"][0]["credential"]
    list_url = decode_compact(token)[1]["credentialStatus"]["statusListCredential"]
    (tmp_path / "jwks.json").write_text(api.get("/.well-known/jwks.json").text)
    (tmp_path / "list.jwt").write_text(requests.get(list_url, timeout=30).text)

    code, answer = verify_cli(
        local_stack,
        tmp_path,
        token,
        "--jwks",
        str(tmp_path / "jwks.json"),
        "--status-list",
        str(tmp_path / "list.jwt"),
    )

    assert (code, answer["reasons"]) == (0, [])
    assert not [w for w in answer["warnings"] if w.startswith("status")], answer["warnings"]


def test_one_flipped_byte_fails_with_its_reason(
    local_stack: LocalStackProcess, issued: dict[str, Any], tmp_path: Path
) -> None:
    token = issued["items"][0]["credential"]
    header, payload, signature = token.split(".")
    kid = decode_compact(token)[0]["kid"]
    other_kid = kid[:-1] + ("A" if kid[-1] != "A" else "B")
    forged_header = cr.b64url(cr.canonical_json({"alg": "ES256", "kid": other_kid}))

    cases = {
        "payload": (f"{header}.{flip(payload)}.{signature}", "signature does not verify"),
        "signature": (f"{header}.{payload}.{flip(signature, at=7)}", "signature does not verify"),
        "kid": (f"{forged_header}.{payload}.{signature}", f"kid {other_kid} not in the issuer's keys"),
    }
    for name, (tampered, reason) in cases.items():
        code, answer = verify_cli(local_stack, tmp_path, tampered)
        assert code == 1, name
        assert answer["valid"] is False and reason in answer["reasons"], (name, answer["reasons"])


def test_the_decoded_credential_validates_against_1edtechs_schema(issued: dict[str, Any]) -> None:
    path = find_schema()
    if path is None:
        pytest.skip(f"1EdTech's OB3 schema ({SCHEMA_URL}) is not installed here: see infra/schemas/README.md")
    schema = load_schema(path)
    for item in issued["items"]:
        assert schema_problems(decode_compact(item["credential"])[1], schema) == []


def test_revoking_fails_verification_on_status_and_verify_says_revoked(
    local_stack: LocalStackProcess, api: Api, issued: dict[str, Any], tmp_path: Path
) -> None:
    revoked, kept = issued["items"]
    code = revoked["certificate_code"]
    reason = {"reason": "Course attendance could not be confirmed"}

    first = expect(api.post(f"/admin/certificates/{code}/revoke", json=reason, **ADMIN), 200)
    again = expect(api.post(f"/admin/certificates/{code}/revoke", json={"reason": "other"}, **ADMIN), 200)

    assert first == again and first["status"] == "revoked" and first["reason"] == reason["reason"]
    verified = expect(api.get(f"/verify/{code}"), 200)
    assert (verified["valid"], verified["status"], verified["revoked_reason"]) == (
        False,
        "revoked",
        reason["reason"],
    )
    # The status list says so as soon as the revocation is answered.
    status, answer = verify_cli(local_stack, tmp_path, revoked["credential"])
    assert (status, answer["reasons"]) == (1, ["status: revoked"])
    assert verify_cli(local_stack, tmp_path, kept["credential"])[0] == 0
    claim = expect(api.get(f"/claims/{issued['claim']['claim_id']}", user=issued["user"]), 200)
    assert [c["status"] for c in claim["certificates"]] == ["revoked", "active"]
    again_items = expect(api.get(f"/claims/{claim['claim_id']}/credentials", user=issued["user"]), 200)[
        "items"
    ]
    assert again_items == issued["items"]  # the credential never changes
    missing = api.post("/admin/certificates/ZZZZ-ZZZZ-ZZZZ-ZZZZ/revoke", json=reason, **ADMIN)
    assert missing.status_code == 404


def test_public_answers_leak_no_user_id_or_email(api: Api, issued: dict[str, Any]) -> None:
    code = issued["items"][0]["certificate_code"]
    token = issued["items"][0]["credential"]
    list_url = decode_compact(token)[1]["credentialStatus"]["statusListCredential"]
    texts = [
        api.get(f"/verify/{code}").text,
        api.get(f"/verify/{code}/credential").text,
        api.get("/issuer").text,
        api.get("/.well-known/jwks.json").text,
        requests.get(list_url, timeout=30).text,
    ]
    texts += [json.dumps(decode_compact(t)[:2], ensure_ascii=False) for t in (texts[1], texts[4])]
    for text in texts:
        assert issued["user"] not in text
        assert issued["claim"]["claim_id"] not in text
        assert EMAIL not in text and "@" not in text.replace("@context", "")


def test_people_get_the_verify_page_and_programs_the_json(api: Api, issued: dict[str, Any]) -> None:
    code = issued["items"][1]["certificate_code"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    page = api.get(f"/verify/{code}", headers={"Accept": browser})
    program = api.get(f"/verify/{code}", headers={"Accept": "application/json"})
    curl = api.get(f"/verify/{code}", headers={"Accept": "*/*"})

    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/js/verify.js">' in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    for answer in (program, curl):
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["valid"] is True
    # Only /verify/{code} itself: the credential link is always the file.
    credential = api.get(f"/verify/{code}/credential", headers={"Accept": browser})
    assert credential.headers["Content-Type"] == "application/vc+jwt"
