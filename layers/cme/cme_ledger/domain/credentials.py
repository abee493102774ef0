"""Open Badges 3.0 credentials: what a certificate says, as a VC-JWT (docs/credentials.md).

Pure: plain data in, JSON-ready dicts and compact JWS strings out. No AWS, no clock, no randomness:
the claim time, the key id and the signing function are handed in, and every id in a credential is
derived from the issuer id and the certificate code (uuid5), so building the same credential twice
gives the same bytes up to the signature.

Privacy: a credential shows what the certificate shows (learner name as printed, course, provider,
credit type and amounts, topics with dates, claim time, certificate code) and nothing else: no user
id, no email. The subject id is an opaque URN derived from the certificate code.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cme_ledger.clock import iso
from cme_ledger.domain.amounts import canonical_text

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
ALGORITHM = "ES256"
MEDIA_TYPE = "application/vc+jwt"
ES256_SIGNATURE_BYTES = 64  # r || s, 32 bytes each (RFC 7518 section 3.4)
# Members a public EC JWK may carry; anything else (above all "d") never leaves the issuer.
PUBLIC_JWK_MEMBERS = ("kty", "crv", "x", "y", "kid", "alg", "use")
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# ----------------------------------------------------------------------------- what a credential says


@dataclass(frozen=True)
class Issuer:
    """The issuer's OB3 Profile: `id` is the URL of GET /issuer, `url` the public home page."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class TopicCredit:
    """One line of the certificate's topic table: the topic, when it was earned, the amount claimed."""

    topic: str
    earned_at: datetime
    amount: Decimal


@dataclass(frozen=True)
class StatusEntry:
    """Where the credential's revocation bit lives: a status list credential's URL and a position in it."""

    list_url: str
    index: int


@dataclass(frozen=True)
class CourseCredential:
    """Everything one certificate (one course of one claim) says, as the credential will say it."""

    issuer: Issuer
    learner_name: str  # as printed on the certificate
    course_id: str
    course_title: str
    provider: str
    credit_type_code: str
    credit_type_label: str
    credits: Decimal  # the certificate's total
    topics: tuple[TopicCredit, ...]
    claimed_at: datetime  # validFrom and nbf
    certificate_code: str
    verify_url: str  # the URL in the PDF's QR code
    status: StatusEntry

    @property
    def activity_start(self) -> datetime:
        """The first day credit was earned (the certificate's first activity date)."""
        return min(t.earned_at for t in self.topics)

    @property
    def activity_end(self) -> datetime:
        """The last day credit was earned."""
        return max(t.earned_at for t in self.topics)


# ----------------------------------------------------------------------------- ids


def _urn(issuer_id: str, kind: str, value: str) -> str:
    """A stable opaque URN: the same issuer, kind and value always give the same id."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, issuer_id)
    return f"urn:uuid:{uuid.uuid5(namespace, f'{kind}:{value}')}"


def credential_id(issuer_id: str, certificate_code: str) -> str:
    """The credential's `id` (and JWT `jti`): one per certificate code."""
    return _urn(issuer_id, "credential", certificate_code)


def subject_id(issuer_id: str, certificate_code: str) -> str:
    """`credentialSubject.id` (JWT `sub`): opaque, so no user id is ever published."""
    return _urn(issuer_id, "subject", certificate_code)


def achievement_id(issuer_id: str, course_id: str) -> str:
    """The course as an OB3 Achievement: the same id in every credential for that course."""
    return _urn(issuer_id, "course", course_id)


def provider_id(issuer_id: str, provider: str) -> str:
    """The provider as the achievement's creator Profile."""
    return _urn(issuer_id, "provider", provider)


# ----------------------------------------------------------------------------- the payload


def _numeric_date(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp())


def issuer_profile(issuer: Issuer) -> dict[str, Any]:
    """The issuer as an OB3 Profile: the body of GET /issuer, and the credential's `issuer`."""
    return {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url}


def _achievement(c: CourseCredential, credit_type_ref: str) -> dict[str, Any]:
    return {
        "id": achievement_id(c.issuer.id, c.course_id),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": c.course_title,
        "description": f"Continuing education activity {c.course_title}, provided by {c.provider}.",
        "criteria": {
            "narrative": "Credit is earned per topic completed; the credential lists the topics claimed "
            "under one credit type, with the date each was earned and its amount."
        },
        "creator": {"id": provider_id(c.issuer.id, c.provider), "type": ["Profile"], "name": c.provider},
        "resultDescription": [
            {
                "id": credit_type_ref,
                "type": ["ResultDescription"],
                "name": c.credit_type_label,
                "resultType": "ext:CreditAmount",
            }
        ],
    }


def credential_payload(c: CourseCredential) -> dict[str, Any]:
    """The JWT payload: an OB3 OpenBadgeCredential (VC Data Model 2.0) plus the VC-JWT claims.

    OB3's JWT proof format puts the credential itself in the payload and adds `iss` (issuer.id),
    `jti` (id), `nbf` (validFrom) and `sub` (credentialSubject.id); no `exp`, since claimed credit
    does not lapse. Amounts stay Decimal here; `canonical_json` writes them as plain JSON numbers.
    """
    if not c.topics:
        raise ValueError("a certificate has at least one topic")
    cid = credential_id(c.issuer.id, c.certificate_code)
    sid = subject_id(c.issuer.id, c.certificate_code)
    credit_type_ref = f"{achievement_id(c.issuer.id, c.course_id)}#credit-type-{c.credit_type_code}"
    topics = sorted(c.topics, key=lambda t: (t.earned_at, t.topic))
    status_url = c.status.list_url
    return {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": cid,
        "type": list(CREDENTIAL_TYPES),
        "name": c.course_title,
        "description": (
            f"{canonical_text(c.credits)} {c.credit_type_label} for {c.course_title} ({c.provider}). "
            f"Certificate {c.certificate_code}; verify at {c.verify_url}"
        ),
        "issuer": issuer_profile(c.issuer),
        "validFrom": iso(c.claimed_at),
        "credentialSubject": {
            "id": sid,
            "type": ["AchievementSubject"],
            "name": c.learner_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": c.learner_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": _achievement(c, credit_type_ref),
            "creditsEarned": c.credits,
            "activityStartDate": iso(c.activity_start),
            "activityEndDate": iso(c.activity_end),
            "creditType": {"code": c.credit_type_code, "label": c.credit_type_label},
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": credit_type_ref,
                    "status": "Completed",
                    "value": canonical_text(t.amount),
                    "topic": t.topic,
                    "earnedAt": iso(t.earned_at),
                }
                for t in topics
            ],
        },
        "evidence": [
            {
                "id": c.verify_url,
                "type": ["Evidence"],
                "name": f"Certificate {c.certificate_code}",
                "description": "The PDF certificate this credential accompanies; its QR code opens this URL.",
            }
        ],
        "credentialStatus": {
            "id": f"{status_url}#{c.status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(c.status.index),
            "statusListCredential": status_url,
        },
        "iss": c.issuer.id,
        "jti": cid,
        "nbf": _numeric_date(c.claimed_at),
        "sub": sid,
    }


# ----------------------------------------------------------------------------- JSON and JWS


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Amounts have at most 2 decimals: the shortest float repr prints them back exactly.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no whitespace, UTF-8 (names print in any script)."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The inverse of `b64url`; ValueError on anything that is not unpadded base64url."""
    if not _B64URL.issuperset(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jws_header(kid: str) -> dict[str, str]:
    """The JOSE header: `alg` and `kid` only (OB3 allows no others; `typ` is optional and left out)."""
    return {"alg": ALGORITHM, "kid": kid}


def compact_jws(header: Mapping[str, Any], payload: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """Assemble a compact JWS: BASE64URL(header) . BASE64URL(payload) . BASE64URL(sign(input)).

    `sign` gets the ASCII signing input and returns the raw ES256 signature (r || s, 64 bytes),
    not the DER that KMS returns; a signature of any other length is refused here, so a DER one
    cannot slip into a credential.
    """
    signing_input = f"{b64url(canonical_json(header))}.{b64url(canonical_json(payload))}"
    signature = sign(signing_input.encode("ascii"))
    if header.get("alg") == ALGORITHM and len(signature) != ES256_SIGNATURE_BYTES:
        raise ValueError(
            f"an ES256 signature is {ES256_SIGNATURE_BYTES} bytes (r || s), got {len(signature)}"
        )
    return f"{signing_input}.{b64url(signature)}"


def sign_credential(c: CourseCredential, kid: str, sign: Callable[[bytes], bytes]) -> str:
    """The certificate's credential as a VC-JWT, signed once by `sign` under key `kid`."""
    return compact_jws(jws_header(kid), credential_payload(c), sign)


def public_jwks(keys: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The body of GET /.well-known/jwks.json: only public members of each key, in the order given."""
    return {"keys": [{m: key[m] for m in PUBLIC_JWK_MEMBERS if m in key} for key in keys]}


# ----------------------------------------------------------------------------- OB3's own checks


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def claim_problems(payload: Mapping[str, Any], now: datetime) -> list[str]:
    """What OB3's VC-JWT verification (section 8.2.4.1) finds wrong with a decoded payload, at `now`.

    The JWT claims must repeat the credential (iss = issuer.id, sub = credentialSubject.id,
    jti = id, nbf = validFrom), validFrom must have come and validUntil / exp not have passed.
    An empty list means the claims and dates are fine.
    """
    problems: list[str] = []
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    subject = payload.get("credentialSubject")
    subject_ref = subject.get("id") if isinstance(subject, Mapping) else None
    for claim, expected, what in (
        ("iss", issuer_id, "issuer.id"),
        ("sub", subject_ref, "credentialSubject.id"),
        ("jti", payload.get("id"), "id"),
    ):
        if payload.get(claim) is None:
            problems.append(f"claims: {claim} is missing")
        elif payload.get(claim) != expected:
            problems.append(f"claims: {claim} does not match {what}")
    valid_from = _parse_time(payload.get("validFrom"))
    nbf = payload.get("nbf")
    if not isinstance(nbf, int) or isinstance(nbf, bool):
        problems.append("claims: nbf is missing or not a NumericDate")
    elif valid_from is None or _numeric_date(valid_from) != nbf:
        problems.append("claims: nbf does not match validFrom")
    if valid_from is not None and valid_from > now:
        problems.append(f"dates: not valid before {iso(valid_from)}")
    valid_until = _parse_time(payload.get("validUntil"))
    if valid_until is not None and valid_until <= now:
        problems.append(f"dates: expired at {iso(valid_until)}")
    exp = payload.get("exp")
    if isinstance(exp, int) and not isinstance(exp, bool) and exp <= _numeric_date(now):
        problems.append("dates: the JWT's exp has passed")
    return problems
