"""The local stand-in for Cognito and API Gateway's JWT authorizer.

One RSA key pair, kept in `.local/jwt-signing-key.pem` under the project root (created on first
use by whichever of the local stack or `cme token` runs first), signs tokens for a fixed issuer and
audience. The gateway verifies bearer tokens with it as the HTTP API's JWT authorizer would, and
passes the claims to the functions the way API Gateway does (every value a string).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://cognito-idp.local/cme-ledger"
AUDIENCE = "cme-ledger-local"
ALGORITHM = "RS256"
ADMIN_GROUP = "admin"
DEFAULT_EXPIRES_IN = 3600  # seconds, as Cognito's default token lifetime
LEEWAY = 5  # seconds of clock skew tolerated for nbf and iat

ROOT = Path(__file__).resolve().parent.parent.parent
KEY_FILE_NAME = "jwt-signing-key.pem"


class TokenError(Exception):
    """A bearer token the JWT authorizer refuses (the message says why)."""


def local_dir() -> Path:
    """Where local-only state lives: `$CME_LOCAL_DIR`, else `.local/` in the project root."""
    override = os.environ.get("CME_LOCAL_DIR", "").strip()
    return Path(override) if override else ROOT / ".local"


def key_path() -> Path:
    return local_dir() / KEY_FILE_NAME


def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
    """The key in `path`, created atomically if missing (the stack and the CLI may race)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            # link() never replaces: whoever links first wins, the others read the winner's key.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TokenError(f"{path} does not hold an RSA private key")
    return loaded


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


@lru_cache(maxsize=4)
def _signing_key(path: str) -> SigningKey:
    key = _load_or_create(Path(path))
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(key, hashlib.sha256(der).hexdigest()[:16])


def signing_key() -> SigningKey:
    """The local key pair (loaded once per process, created on first use)."""
    return _signing_key(str(key_path()))


def mint_token(
    user_id: str,
    *,
    admin: bool = False,
    name: str | None = None,
    expires_in: int = DEFAULT_EXPIRES_IN,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    groups: list[str] | None = None,
    now: float | None = None,
    email: str | None = None,
) -> str:
    """A Cognito-style ID token for `user_id`; a negative `expires_in` gives an expired one."""
    if not user_id:
        raise ValueError("user_id must not be empty")
    key = signing_key()
    issued = int(time.time() if now is None else now)
    all_groups = list(groups or [])
    if admin and ADMIN_GROUP not in all_groups:
        all_groups.append(ADMIN_GROUP)
    # An expired token was issued before it expired, so iat stays plausible.
    iat = min(issued, issued + expires_in - 1)
    claims: dict[str, Any] = {
        "sub": user_id,
        "iss": issuer,
        "aud": audience,
        "token_use": "id",
        "cognito:username": user_id,
        "auth_time": iat,
        "iat": iat,
        "exp": issued + expires_in,
        "jti": str(uuid.uuid4()),
    }
    if all_groups:
        claims["cognito:groups"] = all_groups
    if name is not None:
        claims["name"] = name
    if email is not None:
        claims["email"] = email
        claims["email_verified"] = True
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def bearer_token(authorization: str | None) -> str:
    """The token of an Authorization header (API Gateway also accepts it without `Bearer `)."""
    value = (authorization or "").strip()
    if not value:
        raise TokenError("The Authorization header is missing.")
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    if not value:
        raise TokenError("The bearer token is empty.")
    return value


def verify_token(
    token: str, *, issuer: str = ISSUER, audience: str = AUDIENCE, now: float | None = None
) -> dict[str, Any]:
    """The verified claims of `token`, checked as the HTTP API JWT authorizer checks them."""
    key = signing_key()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("The token is not a well-formed JWT.") from exc
    if header.get("alg") != ALGORITHM:
        raise TokenError(f"The token must be signed with {ALGORITHM}.")
    if "kid" in header and header["kid"] != key.kid:
        raise TokenError("The token was signed by an unknown key.")
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            options={
                "require": ["exp", "iss", "sub"],
                "verify_aud": False,  # checked below: `aud` (ID token) or `client_id` (access token)
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise TokenError("The token's signature is not valid.") from exc
    except jwt.PyJWTError as exc:
        raise TokenError(f"The token is not valid: {exc}.") from exc
    current = time.time() if now is None else now
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise TokenError("The token's exp claim is not a number.")
    if exp <= current:
        raise TokenError("The token has expired.")
    for claim in ("nbf", "iat"):
        value = claims.get(claim)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TokenError(f"The token's {claim} claim is not a number.")
        if value > current + LEEWAY:
            raise TokenError(f"The token's {claim} claim is in the future.")
    if claims.get("iss") != issuer:
        raise TokenError("The token's issuer is not accepted.")
    aud = claims.get("aud", claims.get("client_id"))
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise TokenError("The token's audience is not accepted.")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("The token's sub claim is empty.")
    return claims


def _claim_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to a function: strings, arrays as "[a b]"."""
    return {name: _claim_string(value) for name, value in claims.items()}
