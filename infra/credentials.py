"""Verifying an Open Badges 3.0 VC-JWT as any third party would: `cme verify-credential`.

Given the compact JWS and either the issuer's base URL (its keys at /.well-known/jwks.json, its
status lists where credentials point) or a JWKS file (offline), it checks, and says why not:

- the JOSE header (ES256, a `kid`, no other headers than OB3 allows) and the signature, with the
  issuer's key of that `kid` (joserfc);
- the payload against 1EdTech's OB3 AchievementCredential JSON schema (jsonschema, draft 2019-09,
  formats checked), see infra/schemas/README.md for where the schema file comes from;
- OB3's VC-JWT rules: iss/sub/jti/nbf repeat the credential, validFrom has come, validUntil/exp
  have not passed (cme_ledger.domain.credentials.claim_problems);
- the revocation bit, in the signed BitstringStatusListCredential the credential names.

Nothing here is deployed; the Lambda functions never need jsonschema.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cme_ledger.domain.credentials import ALGORITHM, b64url_decode, claim_problems
from cme_ledger.domain.status_lists import status_problems

SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"
SCHEMA_URL = f"https://purl.imsglobal.org/spec/ob/v3p0/schema/json/{SCHEMA_FILE}"
_ROOT = Path(__file__).resolve().parent.parent
# Where the schema may be: beside this module (vendored), or in shared/ beside the repository.
SCHEMA_PLACES = (_ROOT / "infra" / "schemas" / SCHEMA_FILE, _ROOT.parent / "shared" / "schemas" / SCHEMA_FILE)
SCHEMA_ENV = "CME_OB3_SCHEMA"
JWKS_PATH = "/.well-known/jwks.json"
ISSUER_PATH = "/issuer"
ALLOWED_HEADERS = {"alg", "kid", "jwk", "typ"}  # OB3 8.2.2: additional JOSE headers are not allowed
MAX_FETCH_BYTES = 4 * 1024 * 1024
MAX_SCHEMA_REASONS = 5

Fetch = Callable[[str], bytes]


class NotVerifiable(ValueError):
    """The input cannot even be read as a compact JWS."""


# ----------------------------------------------------------------------------- inputs


def http_get(url: str, timeout: float = 10.0) -> bytes:
    """GET a public document (JWKS, status list) over HTTP(S), at most MAX_FETCH_BYTES."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json, application/vc+jwt"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (scheme checked above)
        body = bytes(reply.read(MAX_FETCH_BYTES + 1))
    if len(body) > MAX_FETCH_BYTES:
        raise ValueError(f"{url} answered more than {MAX_FETCH_BYTES} bytes")
    return body


def find_schema(explicit: str | None = None) -> Path | None:
    """The OB3 schema file: --schema, then $CME_OB3_SCHEMA, then SCHEMA_PLACES; None when absent."""
    candidates = [Path(p) for p in (explicit, os.environ.get(SCHEMA_ENV)) if p]
    for path in (*candidates, *SCHEMA_PLACES):
        if path.is_file():
            return path
    return None


def load_schema(path: Path) -> dict[str, Any]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(schema, dict):
        raise ValueError(f"{path} is not a JSON schema")
    return schema


def decode_compact(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """(header, payload, signature) of a compact JWS, unverified; NotVerifiable when it is not one."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise NotVerifiable("not a compact JWS: it has not three dot-separated parts")
    decoded: list[Any] = []
    for name, part in zip(("header", "payload"), parts[:2], strict=True):
        try:
            decoded.append(json.loads(b64url_decode(part)))
        except ValueError as exc:
            raise NotVerifiable(f"not a compact JWS: the {name} is not base64url JSON") from exc
        if not isinstance(decoded[-1], dict):
            raise NotVerifiable(f"not a compact JWS: the {name} is not a JSON object")
    try:
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise NotVerifiable("not a compact JWS: the signature is not base64url") from exc
    return decoded[0], decoded[1], signature


# ----------------------------------------------------------------------------- checks


def _key_for(kid: str, jwks: Mapping[str, Any]) -> Mapping[str, Any] | None:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        return None
    return next((k for k in keys if isinstance(k, Mapping) and k.get("kid") == kid), None)


def signature_problems(token: str, header: Mapping[str, Any], jwks: Mapping[str, Any]) -> list[str]:
    """Why the JWS's header or signature fails against the issuer's keys (empty: it verifies)."""
    from joserfc import jws
    from joserfc.errors import BadSignatureError, JoseError
    from joserfc.jwk import import_key

    problems = [f"header: {name} is not allowed" for name in sorted(set(header) - ALLOWED_HEADERS)]
    if header.get("alg") != ALGORITHM:
        return [*problems, f"header: alg {header.get('alg')!r} is not {ALGORITHM}"]
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return [*problems, "header: no kid"]
    jwk = _key_for(kid, jwks)
    if jwk is None:
        return [*problems, f"kid {kid} not in the issuer's keys"]
    if "d" in jwk:
        return [*problems, f"kid {kid}: the issuer publishes a private key"]
    try:
        key = import_key(dict(jwk))  # any kty: a non-EC key is then refused for ES256, with a reason
        jws.deserialize_compact(token.strip(), key, algorithms=[ALGORITHM])
    except BadSignatureError:
        return [*problems, "signature does not verify"]
    except (JoseError, ValueError) as exc:
        return [*problems, f"signature: {exc}"]
    return problems


def schema_problems(payload: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Where the payload breaks 1EdTech's OB3 schema (the first few places, by path)."""
    from jsonschema import Draft201909Validator

    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
    reasons = [
        f"schema: {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:200]}"
        for e in errors[:MAX_SCHEMA_REASONS]
    ]
    if len(errors) > MAX_SCHEMA_REASONS:
        reasons.append(f"schema: and {len(errors) - MAX_SCHEMA_REASONS} more")
    return reasons


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ValueError(f"{what} is not JSON") from exc


def _status(
    payload: Mapping[str, Any],
    now: datetime,
    jwks: Mapping[str, Any],
    status_lists: Mapping[str, str],
    fetch: Fetch | None,
    base_url: str | None,
) -> tuple[list[str], list[str]]:
    """(reasons, warnings) of the status check."""
    entry = payload.get("credentialStatus")
    if entry is None:
        return [], ["status: the credential has no credentialStatus"]
    url = entry.get("statusListCredential") if isinstance(entry, Mapping) else None
    if not isinstance(url, str):
        return ["status: credentialStatus has no statusListCredential"], []
    if base_url is not None and not url.startswith(f"{base_url}/"):
        return [f"status: the status list {url} is not published under {base_url}"], []
    if url in status_lists:
        token = status_lists[url]
    elif fetch is None:
        return [], [f"status: not checked (offline; pass the status list {url})"]
    else:
        try:
            token = fetch(url).decode("utf-8", errors="replace")
        except (OSError, ValueError) as exc:
            return [f"status: the status list {url} cannot be read ({exc})"], []
    try:
        header, status_list, _ = decode_compact(token)
    except NotVerifiable:
        return [f"status: the status list {url} is not a signed JWT"], []
    signed = signature_problems(token, header, jwks) + claim_problems(status_list, now)
    if signed:
        return [f"status: the status list's {problem}" for problem in signed], []
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return status_problems(entry, status_list, str(issuer_id)), []


def verify_credential(
    token: str,
    *,
    now: datetime,
    jwks: Mapping[str, Any] | None = None,
    base_url: str | None = None,
    status_lists: Mapping[str, str] | None = None,
    schema: Mapping[str, Any] | None = None,
    fetch: Fetch | None = None,
) -> dict[str, Any]:
    """Verify a VC-JWT: {"valid", "reasons", "warnings", "credential"}.

    Keys: `jwks` when given, else fetched (with `fetch`) from `base_url` or, without one, from the
    base of the credential's own `iss` (its id is BASE/issuer). Status lists: from `status_lists`
    (URL -> compact JWS) or fetched; offline and not given, the status is a warning, not a reason.
    `schema` None skips the schema check, also with a warning.
    """
    try:
        header, payload, _ = decode_compact(token)
    except NotVerifiable as exc:
        return {"valid": False, "reasons": [str(exc)], "warnings": [], "credential": None}
    reasons: list[str] = []
    warnings: list[str] = []
    base = base_url.rstrip("/") if base_url else None
    iss = payload.get("iss")
    if base is not None and iss != f"{base}{ISSUER_PATH}":
        reasons.append(f"issuer: iss {iss!r} is not {base}{ISSUER_PATH}")
    if jwks is None:
        if base is None and isinstance(iss, str) and iss.endswith(ISSUER_PATH):
            base = iss[: -len(ISSUER_PATH)]
        if base is None or fetch is None:
            reasons.append("keys: no JWKS given and no issuer URL to fetch it from")
        else:
            try:
                jwks = _json(fetch(f"{base}{JWKS_PATH}"), "the issuer's JWKS")
            except (OSError, ValueError) as exc:
                reasons.append(f"keys: the issuer's JWKS at {base}{JWKS_PATH} cannot be read ({exc})")
    if isinstance(jwks, Mapping):
        reasons += signature_problems(token, header, jwks)
    elif jwks is not None:
        reasons.append("keys: the JWKS is not a JSON object")
    if schema is None:
        warnings.append("schema: not checked (no OB3 schema given)")
    else:
        reasons += schema_problems(payload, schema)
    reasons += claim_problems(payload, now)
    if isinstance(jwks, Mapping):
        status_reasons, status_warnings = _status(payload, now, jwks, status_lists or {}, fetch, base)
        reasons += status_reasons
        warnings += status_warnings
    return {"valid": not reasons, "reasons": reasons, "warnings": warnings, "credential": payload}


# ----------------------------------------------------------------------------- the command


def verify_command(
    token: str,
    *,
    now: datetime,
    base_url: str | None = None,
    jwks_file: str | None = None,
    status_list_files: tuple[str, ...] = (),
    schema_file: str | None = None,
    check_schema: bool = True,
    fetch: Fetch | None = http_get,
) -> dict[str, Any]:
    """`cme verify-credential`: read the files, verify, and answer as verify_credential does.

    Offline when a JWKS file is given without --base-url: nothing is fetched, and the status is
    checked only against --status-list files. The schema check fails closed: without the OB3
    schema the answer is not valid, unless check_schema is False (--no-schema).
    """
    jwks = _json(Path(jwks_file).read_bytes(), jwks_file) if jwks_file else None
    lists: dict[str, str] = {}
    for path in status_list_files:
        text = Path(path).read_text(encoding="utf-8").strip()
        try:
            _, status_list, _ = decode_compact(text)
        except NotVerifiable as exc:
            raise ValueError(f"{path} is not a signed status list") from exc
        lists[str(status_list.get("id"))] = text
    schema_path = find_schema(schema_file) if check_schema else None
    online = fetch if (base_url or not jwks_file) else None
    answer = verify_credential(
        token,
        now=now,
        jwks=jwks,
        base_url=base_url,
        status_lists=lists,
        schema=load_schema(schema_path) if schema_path else None,
        fetch=online,
    )
    if check_schema and schema_path is None:
        answer["reasons"].append(
            f"schema: 1EdTech's OB3 schema ({SCHEMA_FILE}) is not installed here: pass --schema FILE "
            "(see infra/schemas/README.md) or --no-schema"
        )
        answer["warnings"] = [w for w in answer["warnings"] if not w.startswith("schema:")]
        answer["valid"] = False
    return answer
