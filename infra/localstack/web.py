"""The web client on the local stack: its static files, its runtime config and two local-only routes.

The gateway asks `WebClient.handle` about a request only when no route of template.yaml has its path,
so API routes and their 404/405 envelopes stay exactly as API Gateway would answer them. What this
module answers:

- `GET /` and the files under `web/` (an allow-list of extensions, resolved inside `web/`, so no path
  can leave it), with their Content-Type and security headers;
- `GET /config.json`: the client's runtime config (same-origin API, `auth: local`);
- `GET /verify/{code}` from a browser (an Accept header preferring text/html): the public verify page
  `web/verify.html`, as the CloudFront function VerifyPageFunction of template.yaml does in AWS
  (`WebClient.edge`, asked before the routes); programs get the API's JSON at the same URL;
- `GET /local/learners` and `POST /local/token`: the local sign-in (pick a learner, get a token
  signed by the stack's key). **Local only**: they are not routes of template.yaml, do not appear in
  the OpenAPI document and do not exist in AWS, where the client signs in with Cognito's hosted UI.
- `GET /local/workers`: the worker pools (cold starts, invocations, errors per function: pool.py),
  local only as well, for load runs and tests.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from infra.localstack import auth
from infra.localstack.gateway import JSON, Response, error
from infra.localstack.seed import local_email

log = logging.getLogger("cme.local.web")

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"

# What may be served (and deployed): anything else under web/ is not a public file.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}
INDEX = "index.html"
VERIFY_PAGE = "verify.html"
VERIFY_PATH = re.compile(r"^/verify/[^/]+$")
CONFIG_PATH = "/config.json"
LEARNERS_PATH = "/local/learners"
TOKEN_PATH = "/local/token"  # noqa: S105 - a route, not a secret
WORKERS_PATH = "/local/workers"
LOCAL_TOKEN_LIFETIME = 8 * 3600
MAX_LEARNERS = 200
ASSET_PATH = re.compile(r"^(?:/[A-Za-z0-9_.-]+)+$")
LOCAL_HOST = re.compile(r"^(?:127\.0\.0\.1|localhost):([0-9]{1,5})$")
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")


def security_headers(frame_sources: str, connect_sources: str = "'self'") -> list[tuple[str, str]]:
    """The headers the CloudFront distribution's response headers policy sets in AWS (template.yaml)."""
    csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect_sources}",
            f"frame-src {frame_sources}",
            f"object-src {frame_sources}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    ]


def _quality(accept: str, media_type: str) -> float:
    best = 0.0
    for part in accept.lower().split(","):
        params = part.split(";")
        if params[0].strip() != media_type:
            continue
        q = 1.0
        for param in params[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        q = q if q >= 0 else 0.0
        best = max(best, q)
    return best


def prefers_html(accept: str) -> bool:
    """Whether an Accept header asks for a page rather than JSON: text/html named, with a q above 0
    and at least that of application/json (a browser opening a link does; fetch, curl and programs do
    not). The same rule as template.yaml's VerifyPageFunction."""
    html = _quality(accept, "text/html")
    return html > 0 and html >= _quality(accept, "application/json")


def web_assets(root: Path = WEB_ROOT) -> Iterator[tuple[str, Path, str]]:
    """(key, file, content type) of every file the client is made of, for serving and deploying."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        content_type = CONTENT_TYPES.get(path.suffix.lower())
        if content_type is None:
            continue
        yield path.relative_to(root).as_posix(), path, content_type


def _json(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload).encode()
    return Response(status, [("Content-Type", JSON), ("Cache-Control", "no-store"), *(headers or [])], body)


def list_learners() -> list[dict[str, Any]]:
    """The learners the local table knows (a profile or recorded credit): demo first, then the most
    recently updated profiles, at most MAX_LEARNERS.

    Local only: a scan is fine for a demo table, and it is how a learner set up through the admin API a
    moment ago shows up at the top of the sign-in screen.
    """
    import boto3

    from cme_ledger.config import get_settings
    from cme_ledger.store import keys
    from infra.localstack.seed import DEMO_USER

    user_prefix = keys.user_pk("")
    client = boto3.client("dynamodb")
    found: dict[str, dict[str, str]] = {}
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "FilterExpression": "begins_with(pk, :user) AND (sk = :profile OR begins_with(sk, :source))",
        "ProjectionExpression": "pk, sk, display_name, updated_at",
        "ExpressionAttributeValues": {
            ":user": {"S": user_prefix},
            ":profile": {"S": keys.profile_sk()},
            ":source": {"S": keys.source_sk("")},
        },
    }
    while True:
        page = client.scan(**kwargs)
        for item in page.get("Items", []):
            user_id = item["pk"]["S"][len(user_prefix) :]
            entry = found.setdefault(user_id, {"user_id": user_id, "display_name": "", "updated_at": ""})
            if item["sk"]["S"] == keys.profile_sk():
                entry["display_name"] = item.get("display_name", {}).get("S", "")
                entry["updated_at"] = item.get("updated_at", {}).get("S", "")
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    others = sorted(
        (e for e in found.values() if e["user_id"] != DEMO_USER),
        key=lambda e: (e["updated_at"], e["user_id"]),
        reverse=True,
    )
    demo = [found[DEMO_USER]] if DEMO_USER in found else []
    return [
        {"user_id": e["user_id"], "display_name": e["display_name"]} for e in [*demo, *others][:MAX_LEARNERS]
    ]


class WebClient:
    """Answers the requests of the web client that are not API routes (None: not one of ours)."""

    def __init__(
        self,
        root: Path = WEB_ROOT,
        *,
        frame_sources: Callable[[], str] | None = None,
        connect_sources: Callable[[], str] | None = None,
        learners: Callable[[], list[dict[str, Any]]] = list_learners,
        port: Callable[[], int] | None = None,
        workers: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.root = root.resolve()
        self._frame_sources = frame_sources or (lambda: "'self'")
        # The API is the page's own origin; uploads go to the presigned URLs of moto's S3 endpoint.
        self._connect_sources = connect_sources or (lambda: "'self'")
        self._learners = learners
        self._port = port  # the stack's HTTP port; None: any port (a WebClient without a server)
        self._workers = workers or (lambda: {"concurrency": None, "functions": {}})

    def local_host(self, host: str) -> bool:
        """Whether `host` (a Host header) names this stack: 127.0.0.1 or localhost with its port."""
        match = LOCAL_HOST.match(host)
        if match is None:
            return False
        return self._port is None or int(match.group(1)) == self._port()

    def edge(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | None:
        """The verify page for a browser opening /verify/{code} (the QR code's URL); None otherwise."""
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD") or not VERIFY_PATH.match(path):
            return None
        if not prefers_html(headers.get("accept", "")):
            return None
        page = self.root / VERIFY_PAGE
        headers_out = [("Content-Type", CONTENT_TYPES[".html"]), *security_headers(self._frame_sources())]
        return Response(200, headers_out, page.read_bytes())

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | None:
        # The raw path: urlsplit would read "//x" as a host, and "//" must stay a 404 as in API Gateway.
        path = target.split("?", 1)[0] or "/"
        if path == TOKEN_PATH:
            if method != "POST":
                return self._not_allowed(method, path, "POST")
            return self._token(headers, body)
        if path == LEARNERS_PATH:
            if method not in ("GET", "HEAD"):
                return self._not_allowed(method, path, "GET, HEAD")
            return _json(200, {"items": self._learners(), "local_only": True})
        if path == WORKERS_PATH:
            if method not in ("GET", "HEAD"):
                return self._not_allowed(method, path, "GET, HEAD")
            return _json(200, {**self._workers(), "local_only": True})
        if path == CONFIG_PATH:
            if method not in ("GET", "HEAD"):
                return self._not_allowed(method, path, "GET, HEAD")
            return _json(200, {"api_base_url": "", "auth": "local"})
        file = self._file(path)
        if file is None:
            return None
        if method not in ("GET", "HEAD"):
            return self._not_allowed(method, path, "GET, HEAD")
        content_type = CONTENT_TYPES[file.suffix.lower()]
        headers_out = [
            ("Content-Type", content_type),
            *security_headers(self._frame_sources(), self._connect_sources()),
        ]
        return Response(200, headers_out, file.read_bytes())

    def _file(self, path: str) -> Path | None:
        """The file under the web root that `path` names, or None (never one outside the root)."""
        if path == "/":
            path = f"/{INDEX}"
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
        # Plain names only: no empty segment ("//"), no backslash, NUL or other oddity, no dot files.
        if not ASSET_PATH.match(decoded):
            return None
        parts = decoded.split("/")[1:]
        if any(part.startswith(".") for part in parts):
            return None
        try:
            resolved = self.root.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_file() or not resolved.is_relative_to(self.root):
            return None
        if resolved.suffix.lower() not in CONTENT_TYPES:
            return None
        return resolved

    @staticmethod
    def _not_allowed(method: str, path: str, allowed: str) -> Response:
        return error(
            405,
            "method_not_allowed",
            f"{method} is not allowed on {path}; allowed: {allowed}.",
            [("Allow", allowed)],
        )

    def _token(self, headers: dict[str, str], body: bytes) -> Response:
        # Only the page the stack itself serves may mint tokens: another site open in the same browser
        # must not be able to sign in to the local stack behind the learner's back.
        # The Host must name the stack itself too: a page of another site whose name was rebound to
        # 127.0.0.1 (DNS rebinding) is same-origin with itself, and sends its own name as Host.
        origin = headers.get("origin")
        host = headers.get("host", "")
        if not self.local_host(host) or (origin is not None and origin != f"http://{host}"):
            return error(403, "forbidden", "Local sign-in is only for the page this stack serves.")
        try:
            payload = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return error(400, "malformed_json", "The body is not JSON.")
        if not isinstance(payload, dict) or set(payload) - {"user_id", "name"}:
            return _validation("body", 'Send {"user_id": "...", "name"?: "..."}.')
        user_id = payload.get("user_id")
        name = payload.get("name")
        if not isinstance(user_id, str) or not USER_ID.match(user_id):
            return _validation(
                "user_id", "1 to 128 letters, digits or . _ @ + -, starting with a letter or digit."
            )
        if name is not None and (not isinstance(name, str) or len(name) > 120):
            return _validation("name", "At most 120 characters.")
        token = auth.mint_token(
            user_id, name=name or None, expires_in=LOCAL_TOKEN_LIFETIME, email=local_email(user_id)
        )
        log.info("local sign-in as %s", user_id)
        return _json(200, {"token": token, "expires_in": LOCAL_TOKEN_LIFETIME, "user_id": user_id})


def _validation(field: str, reason: str) -> Response:
    body = {
        "error": {
            "code": "validation_error",
            "message": reason,
            "details": [{"field": field, "reason": reason}],
        }
    }
    return Response(422, [("Content-Type", JSON)], json.dumps(body).encode())
