"""Credentials signed by a KMS key under moto, verified as a third party would (`cme verify-credential`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from cme_ledger.domain import credentials as cr
from cme_ledger.domain import status_lists as sl
from cme_ledger.store import signing
from infra import cli
from infra.credentials import find_schema, verify_command, verify_credential
from tests.unit.test_credentials import CLAIMED, LIST_URL, course_credential

NOW = CLAIMED + timedelta(days=1)
BASE = "https://cme.test"


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's KMS (DIGEST signed as AWS does) and a fresh signing module."""
    import boto3
    from moto import mock_aws

    from cme_ledger.config import reset_settings
    from infra import moto_kms

    moto_kms.apply()
    monkeypatch.setenv("TABLE_NAME", "unused")
    reset_settings()
    with mock_aws():
        signing.reset_clients()
        yield boto3.client("kms", region_name="us-east-1")
    signing.reset_clients()
    reset_settings()


def new_key(kms: Any) -> str:
    return str(kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"])


def issue(key: str, **changes: Any) -> str:
    return cr.sign_credential(course_credential(**changes), signing.key_id_of(key), signing.signer(key))


def signed_status_list(key: str, revoked: set[int]) -> str:
    payload = sl.status_list_payload(LIST_URL, f"{BASE}/issuer", sl.encode_status_list(revoked), NOW)
    return cr.compact_jws(cr.jws_header(signing.key_id_of(key)), payload, signing.signer(key))


def jwks_of(*keys: str) -> dict[str, Any]:
    return cr.public_jwks(signing.public_jwk(k) for k in keys)


def schema_or_none() -> dict[str, Any] | None:
    path = find_schema()
    return json.loads(path.read_text()) if path else None


def verify(token: str, jwks: dict[str, Any], lists: dict[str, str] | None = None) -> dict[str, Any]:
    return verify_credential(token, now=NOW, jwks=jwks, status_lists=lists, schema=schema_or_none())


def flip(part: str, at: int = 40) -> str:
    """One byte of a base64url part changed (decoded, flipped, encoded again)."""
    data = bytearray(cr.b64url_decode(part))
    data[at % len(data)] ^= 0x01
    return cr.b64url(bytes(data))


# ----------------------------------------------------------------------------- moto's KMS itself


def test_motos_kms_signs_es256_for_real_and_the_digest_as_aws_does(kms: Any) -> None:
    key = new_key(kms)
    message = b"header.payload" * 500  # past KMS's 4,096-byte RAW limit: why we send a digest

    der = kms.sign(
        KeyId=key,
        Message=hashlib.sha256(message).digest(),
        MessageType="DIGEST",
        SigningAlgorithm="ECDSA_SHA_256",
    )["Signature"]

    public = load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, message, ec.ECDSA(hashes.SHA256()))  # raises when it does not verify
    with pytest.raises(kms.exceptions.ClientError, match="4096"):
        kms.sign(KeyId=key, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")


def test_the_public_jwk_is_p256_with_a_stable_thumbprint_kid(kms: Any) -> None:
    key = new_key(kms)

    jwk = signing.public_jwk(key)

    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    assert jwk["kid"].startswith("urn:ietf:params:oauth:jwk-thumbprint:sha-256:")
    signing.reset_clients()
    assert signing.public_jwk(key) == jwk  # fetched again: the same kid
    assert signing.public_jwk(new_key(kms))["kid"] != jwk["kid"]


def test_a_key_that_cannot_sign_es256_is_refused(kms: Any) -> None:
    rsa = str(kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"])

    with pytest.raises(ValueError, match="ECC_NIST_P256"):
        signing.public_jwk(rsa)


# ----------------------------------------------------------------------------- verification


def test_a_signed_credential_verifies_offline_against_the_jwks(kms: Any) -> None:
    key = new_key(kms)
    token = issue(key)

    answer = verify(token, jwks_of(key), {LIST_URL: signed_status_list(key, set())})

    assert answer["reasons"] == []
    assert answer["valid"] is True
    assert answer["credential"]["credentialSubject"]["name"] == "Zoë Ng-Åström"


def test_a_long_topic_list_signs_too(kms: Any) -> None:
    key = new_key(kms)
    topics = tuple(
        cr.TopicCredit(f"Topic {i} of a long activity", CLAIMED - timedelta(days=i), Decimal("0.25"))
        for i in range(200)
    )
    token = issue(key, topics=topics, credits=Decimal("50"))

    assert len(token) > 4096
    assert verify(token, jwks_of(key))["reasons"] == []


def test_flipping_a_byte_of_the_payload_fails_on_the_signature(kms: Any) -> None:
    key = new_key(kms)
    header, payload, signature = issue(key).split(".")

    answer = verify(f"{header}.{flip(payload)}.{signature}", jwks_of(key))

    assert answer["valid"] is False
    assert "signature does not verify" in answer["reasons"]


def test_flipping_a_byte_of_the_signature_fails_on_the_signature(kms: Any) -> None:
    key = new_key(kms)
    header, payload, signature = issue(key).split(".")

    answer = verify(f"{header}.{payload}.{flip(signature, at=5)}", jwks_of(key))

    assert answer["valid"] is False
    assert "signature does not verify" in answer["reasons"]


def test_a_changed_kid_fails_naming_the_kid(kms: Any) -> None:
    key = new_key(kms)
    _, payload, signature = issue(key).split(".")
    kid = signing.key_id_of(key)
    other = kid[:-1] + ("A" if kid[-1] != "A" else "B")
    header = cr.b64url(cr.canonical_json(cr.jws_header(other)))

    answer = verify(f"{header}.{payload}.{signature}", jwks_of(key))

    assert answer["valid"] is False
    assert f"kid {other} not in the issuer's keys" in answer["reasons"]


def test_a_revoked_credential_fails_on_status(kms: Any) -> None:
    key = new_key(kms)
    token = issue(key, status=cr.StatusEntry(LIST_URL, 4242))

    answer = verify(token, jwks_of(key), {LIST_URL: signed_status_list(key, {4242})})

    assert answer["valid"] is False
    assert answer["reasons"] == ["status: revoked"]


def test_a_status_list_signed_by_another_key_is_not_believed(kms: Any) -> None:
    key, stranger = new_key(kms), new_key(kms)
    token = issue(key)

    answer = verify(token, jwks_of(key), {LIST_URL: signed_status_list(stranger, set())})

    assert answer["valid"] is False
    assert any(r.startswith("status: the status list's kid") for r in answer["reasons"]), answer["reasons"]


def test_after_rotation_old_credentials_verify_while_the_old_key_stays_published(kms: Any) -> None:
    old, new = new_key(kms), new_key(kms)
    before, after = issue(old), issue(new, certificate_code="NEW0-NEW0-NEW0-NEW0")

    both = jwks_of(new, old)

    assert verify(before, both)["reasons"] == []
    assert verify(after, both)["reasons"] == []
    assert verify(before, jwks_of(new))["reasons"] == [
        f"kid {signing.key_id_of(old)} not in the issuer's keys"
    ]


def test_online_verification_fetches_the_jwks_and_status_list_from_the_issuer(kms: Any) -> None:
    key = new_key(kms)
    token = issue(key, status=cr.StatusEntry(LIST_URL, 7))
    published = {
        f"{BASE}/.well-known/jwks.json": json.dumps(jwks_of(key)).encode(),
        LIST_URL: signed_status_list(key, {7}).encode(),
    }
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return published[url]

    # Nothing but the JWT: the issuer's URL comes from its iss.
    answer = verify_credential(token, now=NOW, fetch=fetch, schema=schema_or_none())

    assert fetched == [f"{BASE}/.well-known/jwks.json", LIST_URL]
    assert answer["reasons"] == ["status: revoked"]


def test_offline_without_a_status_list_the_status_is_a_warning(kms: Any) -> None:
    key = new_key(kms)

    answer = verify(issue(key), jwks_of(key))

    assert answer["valid"] is True
    assert any(w.startswith("status: not checked") for w in answer["warnings"])


def test_a_credential_from_another_base_url_is_refused(kms: Any) -> None:
    key = new_key(kms)
    token = issue(
        key, issuer=cr.Issuer("https://elsewhere.test/issuer", "Elsewhere", "https://elsewhere.test")
    )

    answer = verify_credential(token, now=NOW, jwks=jwks_of(key), base_url=BASE, schema=schema_or_none())

    assert "issuer: iss 'https://elsewhere.test/issuer' is not https://cme.test/issuer" in answer["reasons"]


# ----------------------------------------------------------------------------- the command


def test_cme_verify_credential_prints_one_json_object_and_exits_by_validity(
    kms: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = new_key(kms)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks_of(key)))
    (tmp_path / "list.jwt").write_text(signed_status_list(key, {99}))
    (tmp_path / "good.jwt").write_text(issue(key))
    (tmp_path / "revoked.jwt").write_text(issue(key, status=cr.StatusEntry(LIST_URL, 99)))
    schema = ["--no-schema"] if find_schema() is None else []
    common = ["--jwks", str(tmp_path / "jwks.json"), "--status-list", str(tmp_path / "list.jwt"), *schema]

    good = cli.main(["verify-credential", str(tmp_path / "good.jwt"), *common])
    good_answer = json.loads(capsys.readouterr().out)
    revoked = cli.main(["verify-credential", str(tmp_path / "revoked.jwt"), *common])
    revoked_answer = json.loads(capsys.readouterr().out)

    assert (good, good_answer["valid"], good_answer["reasons"]) == (0, True, [])
    assert (revoked, revoked_answer["valid"], revoked_answer["reasons"]) == (1, False, ["status: revoked"])


def test_without_the_schema_the_command_fails_closed_and_says_so(kms: Any, tmp_path: Path) -> None:
    key = new_key(kms)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks_of(key)))

    answer = verify_command(
        issue(key),
        now=NOW,
        jwks_file=str(tmp_path / "jwks.json"),
        schema_file=str(tmp_path / "absent.json"),
        fetch=None,
    )

    if find_schema() is None:
        assert answer["valid"] is False
        assert any("OB3 schema" in r and "--schema FILE" in r for r in answer["reasons"])
    else:  # installed elsewhere: found there, and the credential is valid
        assert answer["reasons"] == []


def test_garbage_is_not_a_credential(kms: Any) -> None:
    answer = verify("not.a.jwt!", {"keys": []})

    assert answer == {
        "valid": False,
        "reasons": ["not a compact JWS: the header is not base64url JSON"],
        "warnings": [],
        "credential": None,
    }


def test_signing_again_changes_the_signature_so_a_credential_is_stored_once(kms: Any) -> None:
    key = new_key(kms)

    first, second = issue(key), issue(key)

    # Same header and payload, but ECDSA signatures are randomized: re-signing would change the
    # stored bytes and their SHA-256, hence "signed once, read back, never re-signed".
    assert first.split(".")[:2] == second.split(".")[:2]
    assert first.split(".")[2] != second.split(".")[2]


def test_the_command_fetches_keys_and_status_over_http_from_the_issuer_url(
    kms: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    published: dict[str, bytes] = {}

    class Issuer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = published.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        key = new_key(kms)
        list_url = f"{base}/credentials/status/1"
        token = issue(
            key,
            issuer=cr.Issuer(f"{base}/issuer", "CME Ledger", base),
            status=cr.StatusEntry(list_url, 12),
        )
        payload = sl.status_list_payload(list_url, f"{base}/issuer", sl.encode_status_list({12}), NOW)
        published["/.well-known/jwks.json"] = json.dumps(jwks_of(key)).encode()
        published["/credentials/status/1"] = cr.compact_jws(
            cr.jws_header(signing.key_id_of(key)), payload, signing.signer(key)
        ).encode()
        (tmp_path / "credential.jwt").write_text(token)
        schema = ["--no-schema"] if find_schema() is None else []

        code = cli.main(["verify-credential", str(tmp_path / "credential.jwt"), *schema])
    finally:
        server.shutdown()
        server.server_close()

    answer = json.loads(capsys.readouterr().out)
    assert (code, answer["reasons"]) == (1, ["status: revoked"])


def test_a_key_of_another_type_under_the_kid_is_refused_with_a_reason(kms: Any) -> None:
    from joserfc.jwk import RSAKey

    key = new_key(kms)
    rsa = {**RSAKey.generate_key(2048).as_dict(private=False), "kid": signing.key_id_of(key)}

    answer = verify(issue(key), {"keys": [rsa]})

    assert answer["valid"] is False
    assert any(r.startswith("signature: ") and "EC" in r for r in answer["reasons"]), answer["reasons"]


def test_a_status_list_from_the_future_is_not_believed(kms: Any) -> None:
    key = new_key(kms)
    future = NOW + timedelta(days=1)
    payload = sl.status_list_payload(LIST_URL, f"{BASE}/issuer", sl.encode_status_list(set()), future)
    status_list = cr.compact_jws(cr.jws_header(signing.key_id_of(key)), payload, signing.signer(key))

    answer = verify(issue(key), jwks_of(key), {LIST_URL: status_list})

    assert answer["valid"] is False
    assert any(r.startswith("status: the status list's dates: not valid before") for r in answer["reasons"])
