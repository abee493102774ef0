"""The local HTTP API: template.yaml's routes, CORS and JWT authorizer in front of the real handlers.

`Gateway.handle` does what API Gateway does with one request (route selection, CORS preflight, the
JWT authorizer, a payload 2.0 event, the handler's answer); `make_server` puts it behind a stdlib
HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra import template as tpl
from infra.events import http_event
from infra.localstack import auth
from infra.localstack.runtime import Invoker

log = logging.getLogger("cme.local.http")

JSON = "application/json"
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
# The local stack's own routes (web.py's sign-in), not API routes: no CORS, not even a preflight, so
# no other web site may read their answers.
LOCAL_ONLY_PREFIX = "/local/"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def error(status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return Response(status, [("Content-Type", JSON), *(headers or [])], body)


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, template: dict[str, Any] | None = None) -> Cors | None:
        for api in tpl.of_type("AWS::Serverless::HttpApi", template).values():
            config = (api.get("Properties") or {}).get("CorsConfiguration")
            if not isinstance(config, dict):
                continue

            def strings(key: str, config: dict[str, Any] = config) -> tuple[str, ...]:
                return tuple(str(v) for v in config.get(key) or [])

            max_age = config.get("MaxAge")
            return cls(
                allow_origins=strings("AllowOrigins"),
                allow_headers=tuple(h.lower() for h in strings("AllowHeaders")),
                allow_methods=tuple(m.upper() for m in strings("AllowMethods")),
                expose_headers=strings("ExposeHeaders"),
                max_age=int(max_age) if max_age is not None else None,
                allow_credentials=bool(config.get("AllowCredentials")),
            )
        return None

    def origin_header(self, origin: str | None) -> list[tuple[str, str]]:
        if not origin:
            return []
        if "*" in self.allow_origins:
            allowed = "*" if not self.allow_credentials else origin
        elif origin in self.allow_origins:
            allowed = origin
        else:
            return []
        headers = [("Access-Control-Allow-Origin", allowed)]
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return headers

    def preflight(self, origin: str | None, method: str, request_headers: str) -> Response:
        headers = self.origin_header(origin)
        if headers and method.upper() in (*self.allow_methods, "*"):
            headers.append(("Access-Control-Allow-Methods", ",".join(self.allow_methods)))
            requested = [h.strip().lower() for h in request_headers.split(",") if h.strip()]
            if "*" in self.allow_headers:
                allowed = requested
            else:
                allowed = [h for h in requested if h in self.allow_headers]
            if allowed:
                headers.append(("Access-Control-Allow-Headers", ",".join(allowed)))
            if self.max_age is not None:
                headers.append(("Access-Control-Max-Age", str(self.max_age)))
        else:
            headers = []
        return Response(204, headers)


# (method, target, lower-cased headers, body) -> an answer, or None for "no such path".
Fallback = Callable[[str, str, dict[str, str], bytes], "Response | None"]


class Gateway:
    def __init__(
        self,
        runtime: Invoker,
        functions: dict[str, tpl.Function] | None = None,
        *,
        cors: Cors | None = None,
        issuer: str = auth.ISSUER,
        audience: str = auth.AUDIENCE,
        fallback: Fallback | None = None,
        edge: Fallback | None = None,
    ) -> None:
        self.runtime = runtime
        # Asked only about paths no route has (the web client's files and local-only routes: web.py).
        self.fallback = fallback
        # Asked first about every request: what CloudFront does before the API in AWS (web.py's
        # verify page for browsers at /verify/{code}); None lets the request reach the routes.
        self.edge = edge
        self.functions = functions if functions is not None else tpl.functions()
        self.routes = sorted((r for f in self.functions.values() for r in f.routes), key=tpl.route_order)
        self.cors = cors
        self.issuer = issuer
        self.audience = audience

    # ------------------------------------------------------------------ routing

    def select(self, method: str, path: str) -> tuple[tpl.Route, dict[str, str]] | list[str]:
        """The route and its path parameters, or the methods the path has (empty: no such path)."""
        return tpl.select(method, path, self.routes)

    def handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | dict[str, str],
        body: bytes = b"",
        raw_target: str | None = None,
    ) -> Response:
        """One request as API Gateway would answer it."""
        method = method.upper()
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        merged: dict[str, str] = {}
        for name, value in pairs:
            # API Gateway trims the whitespace around a header's value (`Idempotency-Key: " k5 "` is k5).
            key, value = name.lower(), value.strip(" \t")
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        origin = merged.get("origin")
        if self.cors is None:
            return self._handle(method, target, merged, body, raw_target)
        local_only = urlsplit(raw_target or target).path.startswith(LOCAL_ONLY_PREFIX)
        if method == "OPTIONS" and origin and "access-control-request-method" in merged and not local_only:
            # A CORS preflight: API Gateway answers it itself, for any path.
            return self.cors.preflight(
                origin,
                merged["access-control-request-method"],
                merged.get("access-control-request-headers", ""),
            )
        response = self._handle(method, target, merged, body, raw_target)
        if not local_only:
            response.headers.extend(self.cors.origin_header(origin))
        return response

    def _handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, raw_target: str | None = None
    ) -> Response:
        split = urlsplit(target)
        raw_path = split.path or "/"
        raw_query = split.query
        if self.edge is not None:
            answer = self.edge(method, raw_target or target, headers, body)
            if answer is not None:
                return answer
        found = self.select(method, raw_path)
        if isinstance(found, list):
            if not found:
                # The target as sent: http.server turns a leading "//" into "/", which is not the web root.
                fallback_target = raw_target or target
                answer = self.fallback(method, fallback_target, headers, body) if self.fallback else None
                if answer is not None:
                    return answer
                return error(404, "not_found", f"No route for {raw_path}.")
            return error(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {raw_path}; allowed: {', '.join(found)}.",
                [("Allow", ", ".join(found))],
            )
        route, params = found
        claims: dict[str, str] | None = None
        if not route.public:
            try:
                token = auth.bearer_token(headers.get("authorization"))
                verified = auth.verify_token(token, issuer=self.issuer, audience=self.audience)
            except auth.TokenError as exc:
                return error(
                    401, "unauthorized", str(exc), [("WWW-Authenticate", 'Bearer error="invalid_token"')]
                )
            claims = auth.gateway_claims(verified)
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        event = http_event(
            method,
            raw_path,
            route.route_key,
            path_parameters=params or None,
            query=query or None,
            raw_query=raw_query,
            headers=headers,
            body=body if body else None,
            claims=claims,
        )
        function = self.functions[route.function]
        try:
            result = self.runtime.invoke(function, event, api=True)
            response = self._response(result)
        except Exception:
            log.exception("%s failed on %s %s", function.name, method, raw_path)
            return error(500, "internal_error", f"{function.name} failed; see the local stack's log.")
        # Local only: how long the request waited for a free execution environment, the cold start
        # it waited for (when it had one started) and how long the function ran, for load runs and
        # the browser's network panel.
        spent = self.runtime.last_timing()
        parts = [f"queue;dur={spent.queued * 1000:.1f}"]
        if spent.init:
            parts.append(f"init;dur={spent.init * 1000:.1f}")
        parts.append(f"lambda;dur={spent.ran * 1000:.1f}")
        response.headers.append(("Server-Timing", ", ".join(parts)))
        return response

    @staticmethod
    def _response(result: Any) -> Response:
        """The HTTP answer API Gateway makes of a payload 2.0 handler result."""
        if not isinstance(result, dict) or "statusCode" not in result:
            return Response(200, [("Content-Type", JSON)], json.dumps(result).encode())
        status = int(result["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError(f"invalid statusCode {status}")
        headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        headers.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or [])
        raw = result.get("body")
        if raw is None:
            payload = b""
        elif result.get("isBase64Encoded"):
            try:
                payload = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("isBase64Encoded body is not base64") from exc
        else:
            payload = str(raw).encode()
        return Response(status, headers, payload)


# ---------------------------------------------------------------------- HTTP server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK of the headers, 40 ms on every answer.
    disable_nagle_algorithm = True
    default_request_version = "HTTP/1.0"  # even a garbled request line gets a status line back
    server_version = "cme-local"
    gateway: Gateway  # set on the subclass make_server builds

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method reaches the gateway, which answers 404/405 as API Gateway would (never 501).
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024).strip()
                try:
                    size = int(line.split(b";", 1)[0], 16)
                except ValueError:
                    self._send(error(400, "bad_request", "Malformed chunked body."), close=True)
                    return None
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    self._send(error(413, "payload_too_large", "The body exceeds 10 MB."), close=True)
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError(raw_length)
        except ValueError:
            self._send(error(400, "bad_request", "Invalid Content-Length."), close=True)
            return None
        if length > MAX_BODY:
            self._send(error(413, "payload_too_large", "The body exceeds 10 MB."), close=True)
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away (or the stack is stopping): nothing to answer
            self.close_connection = True
            return None
        return body

    def _dispatch(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        if body is None:
            return
        sent = self.requestline.split(" ")
        raw_target = sent[1] if len(sent) == 3 else None
        response = self.gateway.handle(self.command, self.path, list(self.headers.items()), body, raw_target)
        self._send(response)
        log.info(
            "%s %s -> %d (%.0f ms)",
            self.command,
            self.path,
            response.status,
            (time.monotonic() - started) * 1000,
        )

    def _send(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The server's own refusals (malformed request line, headers too large) in the API's envelope;
        # they are the client's fault, so never a 5xx.
        status = 400 if code >= 500 else code
        text = message or self.responses.get(code, ("Bad request",))[0]
        self.log_message("refused: %d %s", code, text)
        self._send(error(status, "bad_request", text), close=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


class GatewayServer(ThreadingHTTPServer):
    """One thread per connection; `close_connections()` ends them all, idle keep-alive ones included."""

    # socketserver's default listen backlog is 5: a burst of clients (a browser, a load run with 50
    # learners) would get connections reset before a thread could accept them.
    request_queue_size = 256
    daemon_threads = True
    # A browser or a requests.Session keeps its connection open between requests, and its thread
    # waits in readline() for the next one: stopping must never wait for a client.
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def open_connections(self) -> int:
        """Connections accepted and not closed yet (idle keep-alive ones included)."""
        with self._connections_lock:
            return len(self._connections)

    def close_connections(self) -> int:
        """Shut every open connection down, so each thread's read returns and the thread ends."""
        with self._connections_lock:
            self._closing = True
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return len(open_now)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A request cut off by close_connections() fails to write its answer: expected when stopping.
        if self._closing and isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def make_server(gateway: Gateway, port: int, host: str = "127.0.0.1") -> GatewayServer:
    """Bind now (so a busy port fails at once); serve with serve_forever()."""
    handler = type("GatewayHandler", (_Handler,), {"gateway": gateway})
    return GatewayServer((host, port), handler)
