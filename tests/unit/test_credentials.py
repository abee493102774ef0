"""Open Badges 3.0 credentials, pure: the payload, its schema, JWS assembly, DER -> raw, status lists."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jws
from joserfc.jwk import ECKey

from cme_ledger.domain import credentials as cr
from cme_ledger.domain import status_lists as sl
from cme_ledger.store.signing import der_to_raw, jwk_from_der
from infra.credentials import find_schema, load_schema, schema_problems

CLAIMED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
LIST_URL = "https://cme.test/credentials/status/1"


def course_credential(**changes: Any) -> cr.CourseCredential:
    base = cr.CourseCredential(
        issuer=cr.Issuer(id="https://cme.test/issuer", name="CME Ledger", url="https://cme.test"),
        learner_name="Zoë Ng-Åström",
        course_id="sepsis-2026",
        course_title="Sepsis Update 2026",
        provider="Northwind Medical Education",
        credit_type_code="AMA_PRA_1",
        credit_type_label="AMA PRA Category 1 Credit™",
        credits=Decimal("2.50"),
        topics=(
            cr.TopicCredit("Fluids", datetime(2026, 3, 2, 9, 30, tzinfo=UTC), Decimal("1.75")),
            cr.TopicCredit("Early antibiotics", datetime(2026, 2, 1, 8, 0, tzinfo=UTC), Decimal("0.75")),
        ),
        claimed_at=CLAIMED,
        certificate_code="K7QX-9M2F-T4PA-W8RZ",
        verify_url="https://cme.test/verify/K7QX-9M2F-T4PA-W8RZ",
        status=cr.StatusEntry(LIST_URL, 90_210),
    )
    return replace(base, **changes)


def ob3_schema() -> dict[str, Any]:
    path = find_schema()
    if path is None:
        pytest.skip("1EdTech's OB3 schema is not installed here (infra/schemas/README.md)")
    return load_schema(path)


def p256_signer() -> tuple[ec.EllipticCurvePrivateKey, Any]:
    private = ec.generate_private_key(ec.SECP256R1())

    def sign(data: bytes) -> bytes:
        return der_to_raw(private.sign(data, ec.ECDSA(hashes.SHA256())))

    return private, sign


# ----------------------------------------------------------------------------- the payload


def test_the_payload_validates_against_1edtechs_ob3_schema() -> None:
    payload = json.loads(cr.canonical_json(cr.credential_payload(course_credential())))

    assert schema_problems(payload, ob3_schema()) == []


def test_the_schema_check_names_what_is_wrong() -> None:
    payload = json.loads(cr.canonical_json(cr.credential_payload(course_credential())))
    del payload["credentialSubject"]["achievement"]["criteria"]
    payload["validFrom"] = "yesterday"

    reasons = schema_problems(payload, ob3_schema())

    assert any("credentialSubject/achievement" in r and "criteria" in r for r in reasons), reasons
    assert any(r.startswith("schema: validFrom:") for r in reasons), reasons


def test_the_payload_says_what_the_certificate_says_and_the_jwt_claims_repeat_it() -> None:
    c = course_credential()
    payload = json.loads(cr.canonical_json(cr.credential_payload(c)))
    subject = payload["credentialSubject"]

    assert payload["@context"] == [cr.VC_CONTEXT, cr.OB3_CONTEXT]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"] == {
        "id": c.issuer.id,
        "type": ["Profile"],
        "name": "CME Ledger",
        "url": c.issuer.url,
    }
    assert payload["validFrom"] == "2026-11-27T10:00:00Z"
    assert subject["name"] == "Zoë Ng-Åström"
    assert subject["identifier"][0]["identityHash"] == "Zoë Ng-Åström"
    assert subject["achievement"]["name"] == "Sepsis Update 2026"
    assert subject["achievement"]["creator"]["name"] == "Northwind Medical Education"
    assert subject["creditsEarned"] == 2.5
    assert subject["creditType"] == {"code": "AMA_PRA_1", "label": "AMA PRA Category 1 Credit™"}
    assert (subject["activityStartDate"], subject["activityEndDate"]) == (
        "2026-02-01T08:00:00Z",
        "2026-03-02T09:30:00Z",
    )
    assert [(r["topic"], r["earnedAt"], r["value"]) for r in subject["result"]] == [
        ("Early antibiotics", "2026-02-01T08:00:00Z", "0.75"),
        ("Fluids", "2026-03-02T09:30:00Z", "1.75"),
    ]
    assert payload["evidence"][0]["id"] == c.verify_url
    assert c.certificate_code in payload["evidence"][0]["name"]
    assert payload["credentialStatus"] == {
        "id": f"{LIST_URL}#90210",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "90210",
        "statusListCredential": LIST_URL,
    }
    assert (payload["iss"], payload["jti"], payload["sub"]) == (c.issuer.id, payload["id"], subject["id"])
    assert payload["nbf"] == int(CLAIMED.timestamp())
    assert "exp" not in payload
    assert cr.claim_problems(payload, CLAIMED) == []


def test_ids_are_stable_per_certificate_and_course_and_reveal_no_user() -> None:
    one = cr.credential_payload(course_credential())
    again = cr.credential_payload(course_credential())
    other = cr.credential_payload(course_credential(certificate_code="ZZZZ-ZZZZ-ZZZZ-ZZZZ"))

    assert cr.canonical_json(one) == cr.canonical_json(again)
    assert one["id"] != other["id"] and one["sub"] != other["sub"]
    assert one["credentialSubject"]["achievement"]["id"] == other["credentialSubject"]["achievement"]["id"]
    for value in (one["id"], one["sub"], one["credentialSubject"]["achievement"]["id"]):
        assert value.startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p.update(iss="https://elsewhere.test/issuer"), "claims: iss does not match issuer.id"),
        (lambda p: p.update(sub="urn:uuid:0"), "claims: sub does not match credentialSubject.id"),
        (lambda p: p.update(jti="urn:uuid:0"), "claims: jti does not match id"),
        (lambda p: p.pop("nbf"), "claims: nbf is missing or not a NumericDate"),
        (lambda p: p.update(nbf=p["nbf"] + 1), "claims: nbf does not match validFrom"),
        (lambda p: p.update(validUntil="2026-11-27T09:00:00Z"), "dates: expired at 2026-11-27T09:00:00Z"),
        (lambda p: p.update(exp=p["nbf"] - 60), "dates: the JWT's exp has passed"),
    ],
)
def test_claim_problems_name_each_mismatch(change: Any, reason: str) -> None:
    payload = json.loads(cr.canonical_json(cr.credential_payload(course_credential())))
    change(payload)

    assert reason in cr.claim_problems(payload, CLAIMED + timedelta(minutes=1))


def test_a_credential_is_not_valid_before_its_claim_time() -> None:
    payload = json.loads(cr.canonical_json(cr.credential_payload(course_credential())))

    assert cr.claim_problems(payload, CLAIMED - timedelta(seconds=1)) == [
        "dates: not valid before 2026-11-27T10:00:00Z"
    ]


def test_a_certificate_without_topics_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one topic"):
        cr.credential_payload(course_credential(topics=()))


# ----------------------------------------------------------------------------- JSON and JWS


def test_canonical_json_sorts_keys_keeps_any_script_and_writes_amounts_exactly() -> None:
    text = cr.canonical_json({"b": Decimal("2.50"), "a": "Ærø 名前", "c": [Decimal("3.00"), Decimal("0.1")]})

    assert text == '{"a":"Ærø 名前","b":2.5,"c":[3,0.1]}'.encode()


def test_base64url_has_no_padding_and_refuses_padding_back() -> None:
    assert cr.b64url(b"\xff\xfe") == "__4"
    assert cr.b64url_decode("__4") == b"\xff\xfe"
    with pytest.raises(ValueError):
        cr.b64url_decode("__4=")


def test_compact_jws_is_a_jws_any_library_verifies() -> None:
    private, sign = p256_signer()
    public = ECKey.import_key(private.public_key())
    token = cr.sign_credential(course_credential(), "kid-1", sign)

    verified = jws.deserialize_compact(token, public, algorithms=["ES256"])

    assert verified.headers() == {"alg": "ES256", "kid": "kid-1"}
    assert json.loads(verified.payload)["credentialSubject"]["name"] == "Zoë Ng-Åström"
    header, payload, _ = token.split(".")
    assert cr.b64url_decode(header) == b'{"alg":"ES256","kid":"kid-1"}'
    assert cr.b64url_decode(payload) == cr.canonical_json(cr.credential_payload(course_credential()))


def test_compact_jws_refuses_a_der_signature() -> None:
    private = ec.generate_private_key(ec.SECP256R1())

    def der_sign(data: bytes) -> bytes:
        return private.sign(data, ec.ECDSA(hashes.SHA256()))

    with pytest.raises(ValueError, match="64 bytes"):
        cr.compact_jws(cr.jws_header("k"), {"a": 1}, der_sign)


def test_der_to_raw_pads_r_and_s_to_32_bytes_each() -> None:
    der = encode_dss_signature(1, 2**255 + 7)

    raw = der_to_raw(der)

    assert len(raw) == 64
    assert raw[:32] == (1).to_bytes(32, "big")
    assert raw[32:] == (2**255 + 7).to_bytes(32, "big")


def test_jwk_from_der_is_public_with_a_thumbprint_kid() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    jwk = jwk_from_der(der)

    reference = ECKey.import_key(private.public_key())
    assert jwk["kid"] == f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{reference.thumbprint()}"
    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    assert "d" not in jwk


def test_jwk_from_der_refuses_another_curve() -> None:
    der = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    with pytest.raises(ValueError, match="P-256"):
        jwk_from_der(der)


def test_public_jwks_never_publishes_a_private_member() -> None:
    private = ECKey.generate_key("P-256").as_dict(private=True)

    published = cr.public_jwks([{**private, "kid": "k1", "alg": "ES256", "use": "sig"}])

    assert published["keys"][0].keys() == {"kty", "crv", "x", "y", "kid", "alg", "use"}


# ----------------------------------------------------------------------------- status lists


def test_a_status_list_round_trips_at_131072_bits() -> None:
    revoked = {
        0,
        7,
        8,
        65_535,
        sl.STATUS_LIST_BITS - 1,
        *random.Random(5).sample(range(sl.STATUS_LIST_BITS), 50),
    }

    encoded = sl.encode_status_list(revoked)
    bitstring = sl.decode_status_list(encoded)

    assert encoded.startswith("u")
    assert len(bitstring) * 8 == sl.STATUS_LIST_BITS == 131_072
    assert {i for i in range(sl.STATUS_LIST_BITS) if sl.status_bit(bitstring, i)} == revoked
    assert sl.encode_status_list(sorted(revoked)) == encoded  # no timestamp in the GZIP header


def test_bit_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bitstring = sl.decode_status_list(sl.encode_status_list({0, 9}))

    assert bitstring[:2] == bytes([0b1000_0000, 0b0100_0000])


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("u!!!", "not base64url"),
        ("u" + cr.b64url(b"plain bytes"), "not GZIP"),
        ("u" + cr.b64url(gzip.compress(bytes(1024))), "fewer than 131072"),
        ("u" + cr.b64url(gzip.compress(bytes(sl.MAX_LIST_BYTES + 1))), "inflates past"),
    ],
)
def test_decoding_refuses_what_is_not_a_status_list(encoded: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sl.decode_status_list(encoded)


def test_encoding_refuses_short_lists_and_positions_outside() -> None:
    with pytest.raises(ValueError):
        sl.encode_status_list([], size=1024)
    with pytest.raises(ValueError):
        sl.encode_status_list([sl.STATUS_LIST_BITS])
    with pytest.raises(IndexError):
        sl.status_bit(bytes(16), 128)


def test_positions_come_from_the_entropy_handed_in_and_stay_in_the_list() -> None:
    draws = [random.Random(seed).randbytes(8) for seed in range(200)]

    positions = [sl.status_position(d) for d in draws]

    assert all(0 <= p < sl.STATUS_LIST_BITS for p in positions)
    assert sl.status_position(draws[0]) == positions[0]
    assert len(set(positions)) > 190  # not sequential, not clumped
    with pytest.raises(ValueError):
        sl.status_position(b"1234567")
    assert not sl.list_is_full(sl.FILL_LIMIT - 1) and sl.list_is_full(sl.FILL_LIMIT)


def _entry(index: int) -> dict[str, Any]:
    return cr.credential_payload(course_credential(status=cr.StatusEntry(LIST_URL, index)))[
        "credentialStatus"
    ]


def _status_list(revoked: set[int], issuer: str = "https://cme.test/issuer") -> dict[str, Any]:
    return sl.status_list_payload(LIST_URL, issuer, sl.encode_status_list(revoked), CLAIMED)


def test_status_problems_say_revoked_only_for_a_set_bit() -> None:
    status_list = _status_list({42})

    assert sl.status_problems(_entry(42), status_list, "https://cme.test/issuer") == ["status: revoked"]
    assert sl.status_problems(_entry(43), status_list, "https://cme.test/issuer") == []


def test_status_problems_refuse_a_list_from_another_issuer_or_for_another_purpose() -> None:
    other_issuer = _status_list(set(), issuer="https://elsewhere.test/issuer")
    suspension = _status_list(set())
    suspension["credentialSubject"]["statusPurpose"] = "suspension"

    assert sl.status_problems(_entry(1), other_issuer, "https://cme.test/issuer") == [
        "status: the status list was issued by another issuer"
    ]
    assert sl.status_problems(_entry(1), suspension, "https://cme.test/issuer") == [
        "status: the status list's purpose differs from the entry's"
    ]


def test_the_status_list_credential_has_the_shape_bitstring_status_list_asks_for() -> None:
    payload = _status_list({1})

    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["credentialSubject"]["type"] == "BitstringStatusList"
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert (payload["iss"], payload["jti"]) == (payload["issuer"], payload["id"])
    assert sl.status_list_url("https://cme.test/", "1") == LIST_URL
