"""Verification and portable credentials (API.md, "Public" and "Portable credentials")."""

from typing import Annotated, Literal

from pydantic import Field

from cme_ledger.api.answers import Amount, Answer, CompactJws, Time

Uri = Annotated[str, Field(json_schema_extra={"format": "uri"})]


class Verification(Answer):
    valid: bool
    status: Literal["active", "revoked"]
    revoked_reason: str | None
    learner_name: str
    course_title: str
    credit_type: str
    credit_type_label: str
    credits: Amount
    claimed_at: Time
    earned_from: Time
    earned_to: Time
    provider: str


class Credential(Answer):
    certificate_code: str
    course_id: str
    format: Literal["vc+jwt"]
    credential: CompactJws


class CredentialList(Answer):
    items: list[Credential]


class Issuer(Answer):
    """The credentials' issuer, an Open Badges 3.0 Profile."""

    id: Uri
    type: Annotated[list[str], Field(json_schema_extra={"contains": {"const": "Profile"}})]
    name: str
    url: Uri


class Jwk(Answer):
    """A public signing key (EC P-256, ES256)."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: str
    alg: Literal["ES256"]
    use: Literal["sig"]


class Jwks(Answer):
    keys: list[Jwk]


class Revocation(Answer):
    certificate_code: str
    status: Literal["revoked"]
    revoked_at: Time
    reason: str
