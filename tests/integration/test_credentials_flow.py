"""Open Badges 3.0 credentials through the real handlers under moto: issued by the worker with the PDF,
read back, verified as a third party would, stored once, revoked, rotated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from cme_ledger import runtime
from cme_ledger.domain import credentials as cr
from cme_ledger.store import credentials as credential_store
from cme_ledger.store import signing
from cme_ledger.store import status_lists as list_store
from infra.credentials import decode_compact, find_schema, verify_credential
from tests.integration.test_certificates import (
    LEARNER,
    OTHER,
    claim_all,
    deliver,
    receive,
    record_credits,
    set_profile,
)
from tests.support import admin, call, make_course, make_premium

BASE = "https://cme.test"
EMAIL = "ada.quinn@example.org"


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # No worker polls the queue here: a revocation does not wait for the list to be signed.
    monkeypatch.setenv("STATUS_LIST_WAIT_SECONDS", "0")
    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture
def stack(aws: Any) -> Any:
    """Two courses, a premium learner with a name, credit in both."""
    make_course("zz", "Zoonoses Update", ["AMA_PRA_1"])
    make_course("em", "Emergency Medicine", ["AMA_PRA_1", "ACEP"])
    make_premium(LEARNER)
    set_profile(LEARNER, "Ada Quinn", "MD")
    record_credits(
        LEARNER,
        [
            ("zz", "Rabies after bat exposure", 1.5, "2026-02-01T10:00:00Z"),
            ("em", "Sepsis bundles", 1.0, "2026-01-10T10:00:00Z"),
            ("em", "Airway in trauma", 0.75, "2026-01-05T10:00:00Z"),
        ],
    )
    return aws


def work(stack: Any) -> list[str]:
    """Deliver what is on the render queue (renders and status lists) to the worker once."""
    messages = receive(stack, "RenderQueue")
    return deliver(stack, "RenderQueue", "CertificateWorkerFunction", messages) if messages else []


def fetch(url: str) -> bytes:
    """The issuer's public documents, as a verifier on the internet would get them."""
    assert url.startswith(f"{BASE}/"), url
    reply = call("GET", url.removeprefix(BASE), user=None)
    assert reply.status == 200, (url, reply)
    body = reply.body
    return (body if isinstance(body, str) else json.dumps(body)).encode()


def schema() -> dict[str, Any] | None:
    path = find_schema()
    return json.loads(path.read_text()) if path else None


def verify(token: str) -> dict[str, Any]:
    return verify_credential(token, now=datetime.now(UTC), base_url=BASE, fetch=fetch, schema=schema())


def ready_claim(stack: Any) -> dict[str, Any]:
    claim_id = claim_all()["claim_id"]
    assert work(stack) == []
    reply = call("GET", f"/claims/{claim_id}", user=LEARNER)
    assert reply.body["status"] == "ready"
    return dict(reply.body)


def credentials_of(claim_id: str) -> list[dict[str, Any]]:
    reply = call("GET", f"/claims/{claim_id}/credentials", user=LEARNER)
    assert reply.status == 200, reply
    return list(reply.body["items"])


# ----------------------------------------------------------------------------- issuing


def test_a_ready_claim_has_one_verifiable_credential_per_certificate(stack: Any) -> None:
    made = claim_all()
    early = call("GET", f"/claims/{made['claim_id']}/credentials", user=LEARNER)
    assert (early.status, early.error_code) == (409, "certificate_not_ready")
    assert work(stack) == []
    claim = call("GET", f"/claims/{made['claim_id']}", user=LEARNER).body

    items = credentials_of(claim["claim_id"])

    assert [(i["course_id"], i["format"]) for i in items] == [("em", "vc+jwt"), ("zz", "vc+jwt")]
    assert [i["certificate_code"] for i in items] == [c["certificate_code"] for c in claim["certificates"]]
    for item, certificate in zip(items, claim["certificates"], strict=True):
        answer = verify(item["credential"])
        assert answer["reasons"] == [], answer["reasons"]
        payload = answer["credential"]
        subject = payload["credentialSubject"]
        assert subject["name"] == "Ada Quinn"
        assert subject["achievement"]["name"] == certificate["course_title"]
        assert subject["achievement"]["creator"]["name"] == "CME Ledger Academy"
        assert subject["creditsEarned"] == certificate["total"]
        assert [r["topic"] for r in subject["result"]] == [t["topic"] for t in certificate["topics"]]
        assert payload["validFrom"] == claim["claimed_at"]
        assert payload["evidence"][0]["id"] == f"{BASE}/verify/{item['certificate_code']}"
        assert payload["credentialStatus"]["statusListCredential"].startswith(f"{BASE}/credentials/status/")
        header, _, _ = decode_compact(item["credential"])
        assert set(header) == {"alg", "kid"} and header["alg"] == "ES256"


def test_the_issuer_and_its_keys_are_published(stack: Any) -> None:
    ready_claim(stack)

    issuer = call("GET", "/issuer", user=None)
    jwks = call("GET", "/.well-known/jwks.json", user=None)

    assert issuer.body == {"id": f"{BASE}/issuer", "type": ["Profile"], "name": "CME Ledger", "url": BASE}
    [key] = jwks.body["keys"]
    assert {key[k] for k in ("kty", "crv", "alg", "use")} == {"EC", "P-256", "ES256", "sig"}
    assert "d" not in key
    assert jwks.headers["cache-control"] == "no-cache"


def test_credentials_are_stored_once_and_never_signed_again(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = ready_claim(stack)
    first = credentials_of(claim["claim_id"])
    signed: list[str] = []
    real_sign = signing.sign_es256

    def counting(key_id: str, signing_input: bytes) -> bytes:
        signed.append(key_id)
        return real_sign(key_id, signing_input)

    monkeypatch.setattr(signing, "sign_es256", counting)
    # The worker died after storing the JWS, before recording it: the record is incomplete.
    code = first[0]["certificate_code"]
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=stack.tables["LedgerTable"],
        Key={"pk": {"S": f"CODE#{code}"}, "sk": {"S": "CREDENTIAL"}},
        UpdateExpression="REMOVE sha256, object_key, kid, issued_at",
    )
    from cme_ledger.services import credentials as service
    from cme_ledger.store import claims as claim_store

    record = claim_store.get_claim(LEARNER, claim["claim_id"])
    assert record is not None
    assert service.issue_claim_credentials(claim_store.load(record)) == 0
    # And the same render message delivered again.
    call("GET", f"/claims/{claim['claim_id']}", user=LEARNER)

    assert signed == []
    assert credentials_of(claim["claim_id"]) == first
    info = credential_store.get_credential(code)
    assert info is not None and info.issued


def test_a_certificate_never_takes_another_ones_status_position(stack: Any) -> None:
    from cme_ledger.services.status_lists import reserve_position

    infos = [reserve_position(f"CODE-{i:04d}", LEARNER, "cl", "em") for i in range(40)]

    assert len({(i.list_id, i.position) for i in infos}) == 40
    assert len({i.list_id for i in infos}) == 1
    # Drawn at random: not the order they were issued in.
    positions = [i.position for i in infos]
    assert positions != sorted(positions)
    again = reserve_position("CODE-0003", LEARNER, "cl", "em")
    assert (again.list_id, again.position) == (infos[3].list_id, infos[3].position)


def test_a_full_list_makes_way_for_a_new_one(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from cme_ledger.services.status_lists import reserve_position

    monkeypatch.setattr(list_store, "FILL_LIMIT", 3)

    infos = [reserve_position(f"FULL-{i}", LEARNER, "cl", "em") for i in range(7)]

    lists = [i.list_id for i in infos]
    assert lists[0] == lists[1] == lists[2] != lists[3]
    assert len(set(lists)) == 3
    assert list_store.get_list(lists[0]).assigned == 3  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- revoking


def test_revoking_shows_at_once_and_changes_no_credential(stack: Any) -> None:
    claim = ready_claim(stack)
    items = credentials_of(claim["claim_id"])
    code = items[0]["certificate_code"]
    assert verify(items[0]["credential"])["reasons"] == []

    first = admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "Attendance not confirmed"})
    again = admin("POST", f"/admin/certificates/{code.lower()}/revoke", body={"reason": "Another reason"})

    assert first.status == 200 and first.body["status"] == "revoked"
    assert again.status == 200 and again.body == first.body
    assert first.body["reason"] == "Attendance not confirmed"
    verified = call("GET", f"/verify/{code}", user=None).body
    assert (verified["valid"], verified["status"]) == (False, "revoked")
    assert verified["revoked_reason"] == "Attendance not confirmed"
    shown = call("GET", f"/claims/{claim['claim_id']}", user=LEARNER).body["certificates"]
    assert [(c["status"], c["revoked_reason"]) for c in shown] == [
        ("revoked", "Attendance not confirmed"),
        ("active", None),
    ]
    # The worker signs the list's new version (the admin function may not sign).
    assert work(stack) == []
    answer = verify(items[0]["credential"])
    assert answer["reasons"] == ["status: revoked"]
    assert verify(items[1]["credential"])["reasons"] == []
    assert credentials_of(claim["claim_id"]) == items  # the credentials are as issued


def test_revoking_an_unknown_code_is_404_and_a_blank_reason_422(stack: Any) -> None:
    claim = ready_claim(stack)
    code = claim["certificates"][0]["certificate_code"]

    unknown = admin("POST", "/admin/certificates/AAAA-BBBB-CCCC-DDDD-EEEE/revoke", body={"reason": "x"})
    blank = admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "   "})
    long = admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "x" * 501})

    assert (unknown.status, unknown.error_code) == (404, "not_found")
    assert (blank.status, long.status) == (422, 422)
    assert call("GET", f"/verify/{code}", user=None).body["valid"] is True


def test_a_certificate_revoked_before_its_credential_is_issued_is_issued_revoked(stack: Any) -> None:
    made = claim_all()
    code = made["certificates"][0]["certificate_code"]

    assert admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "Duplicate"}).status == 200
    assert work(stack) == []  # the render and the list
    assert work(stack) == []

    item = credentials_of(made["claim_id"])[0]
    assert verify(item["credential"])["reasons"] == ["status: revoked"]


def test_an_unsigned_revocation_is_asked_for_again_by_recovery(stack: Any) -> None:
    from cme_ledger.services.status_lists import resend_unsigned

    claim = ready_claim(stack)
    code = claim["certificates"][0]["certificate_code"]
    admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "Error"})
    receive(stack, "RenderQueue", visibility=600)  # the worker's message is lost

    assert resend_unsigned(older_than_seconds=-60) == 1
    assert work(stack) == []
    assert resend_unsigned(older_than_seconds=-60) == 0


# ----------------------------------------------------------------------------- keys, privacy


def test_after_a_new_key_old_credentials_still_verify(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    before = credentials_of(ready_claim(stack)["claim_id"])
    kms = boto3.client("kms", region_name="us-east-1")
    new_key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("CREDENTIALS_KEY_ID", new_key)
    runtime.reset()
    make_premium(OTHER)
    record_credits(OTHER, [("em", "Shock", 1.0, "2026-03-01T10:00:00Z")])
    after_claim = claim_all(OTHER, key="k-other")
    assert work(stack) == []

    after = call("GET", f"/claims/{after_claim['claim_id']}/credentials", user=OTHER).body["items"]
    kids = [k["kid"] for k in call("GET", "/.well-known/jwks.json", user=None).body["keys"]]

    assert len(kids) == 2 and kids[0] == signing.key_id_of(new_key)  # the newest first
    for item in [*before, *after]:
        assert verify(item["credential"])["reasons"] == []


def test_the_public_answers_name_no_user_id_and_no_email(stack: Any) -> None:
    claim = ready_claim(stack)
    items = credentials_of(claim["claim_id"])
    code = items[0]["certificate_code"]
    list_url = decode_compact(items[0]["credential"])[1]["credentialStatus"]["statusListCredential"]

    public = [
        json.dumps(call("GET", f"/verify/{code}", user=None).body),
        call("GET", f"/verify/{code}/credential", user=None).body,
        json.dumps(call("GET", "/issuer", user=None).body),
        json.dumps(call("GET", "/.well-known/jwks.json", user=None).body),
        call("GET", list_url.removeprefix(BASE), user=None).body,
    ]
    decoded = [json.dumps(decode_compact(t)[:2]) for t in (public[1], public[4])]

    for text in [*public, *decoded]:
        assert LEARNER not in text and EMAIL not in text and claim["claim_id"] not in text


def test_the_public_credential_is_the_learners_credential(stack: Any) -> None:
    claim = ready_claim(stack)
    item = credentials_of(claim["claim_id"])[0]

    reply = call("GET", f"/verify/{item['certificate_code']}/credential", user=None)

    assert reply.status == 200 and reply.body == item["credential"]
    assert reply.headers["content-type"] == cr.MEDIA_TYPE
    assert item["certificate_code"] in reply.headers["content-disposition"]
    assert call("GET", "/verify/AAAA-BBBB/credential", user=None).status == 404


def test_another_learner_gets_404_for_the_credentials(stack: Any) -> None:
    claim = ready_claim(stack)

    other = call("GET", f"/claims/{claim['claim_id']}/credentials", user=OTHER)

    assert (other.status, other.error_code) == (404, "not_found")


def test_a_status_list_is_a_signed_revocation_list_with_131072_entries(stack: Any) -> None:
    from cme_ledger.domain.status_lists import STATUS_LIST_BITS, decode_status_list

    item = credentials_of(ready_claim(stack)["claim_id"])[0]
    list_url = decode_compact(item["credential"])[1]["credentialStatus"]["statusListCredential"]

    reply = call("GET", list_url.removeprefix(BASE), user=None)
    _, payload, _ = decode_compact(reply.body)

    assert reply.headers["content-type"] == "application/vc+jwt"
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert len(decode_status_list(payload["credentialSubject"]["encodedList"])) * 8 >= STATUS_LIST_BITS
    assert datetime.fromisoformat(payload["validFrom"].replace("Z", "+00:00")) <= datetime.now(
        UTC
    ) + timedelta(seconds=1)
    assert call("GET", "/credentials/status/nosuchlist", user=None).status == 404


def test_the_audit_finds_a_changed_or_missing_credential(stack: Any) -> None:
    from cme_ledger.services.audit import audit

    claim = ready_claim(stack)
    assert audit() == []
    first, second = (c["certificate_code"] for c in claim["certificates"])
    bucket = stack.buckets["CertificateBucket"]
    s3 = boto3.client("s3", region_name="us-east-1")
    key_of = {code: str(credential_store.get_credential(code).object_key) for code in (first, second)}  # type: ignore[union-attr]
    s3.put_object(Bucket=bucket, Key=key_of[first], Body=b"a.b.c")
    s3.delete_object(Bucket=bucket, Key=key_of[second])

    assert audit() == [
        f"certificate {first}: credential SHA-256 does not match its record",
        f"certificate {second}: credential JWS missing",
    ]
