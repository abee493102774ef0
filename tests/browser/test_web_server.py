"""What the local stack serves for the web client: static files, config, the local-only sign-in routes.

Plain HTTP (no browser): content types, no way out of web/, API routes and their 404/405 envelopes
untouched, and local-only routes that never appear in the OpenAPI document.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from infra import template as tpl
from infra.localstack.web import WEB_ROOT, WebClient, web_assets
from tests.stack import Api, LocalStackProcess, error_code, expect

pytestmark = pytest.mark.e2e


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (requests would normalise `..`)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_index_and_assets_are_served_with_their_content_type(api: Api) -> None:
    index = api.get("/")
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="js/app.js">' in index.content
    assert "frame-ancestors 'none'" in index.headers["Content-Security-Policy"]
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get("/index.html").content == index.content
    script = api.get("/js/app.js")
    assert script.status_code == 200 and script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert api.get("/styles.css").headers["Content-Type"] == "text/css; charset=utf-8"
    assert api.request("HEAD", "/js/api.js").status_code == 200


def test_every_asset_is_listed_once_with_a_type() -> None:
    keys = [key for key, _, _ in web_assets()]
    assert "index.html" in keys and "js/app.js" in keys and "styles.css" in keys
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/js/%2e%2e/%2e%2e/pyproject.toml",
        "/js/..%2f..%2fpyproject.toml",
        "/%2e%2e%2fpyproject.toml",
        "/js/..\\..\\pyproject.toml",
        "/.hidden",
        "/js/%00app.js",
        "/js/%ff.js",
        "/js/",
        "//",
        "//index.html",
        "/js//app.js",
        "/web/index.html",
    ],
)
def test_no_path_leaves_the_web_root(local_stack: LocalStackProcess, path: str) -> None:
    status, body = raw_get(local_stack.url, path)
    assert status in (400, 404), (path, status)
    assert b"[project]" not in body


def test_unknown_paths_and_wrong_methods_keep_the_api_envelopes(api: Api) -> None:
    missing = api.get("/no-such-page")
    assert missing.status_code == 404 and error_code(missing) == "not_found"
    assert error_code(api.get("/js/missing.js")) == "not_found"
    posted = api.post("/index.html", json={})
    assert posted.status_code == 405 and error_code(posted) == "method_not_allowed"
    assert posted.headers["Allow"] == "GET, HEAD"
    # API routes win: /health is the API's, not a file.
    assert expect(api.get("/health"), 200) == {"status": "ok"}
    assert api.post("/health").status_code == 405


def test_config_says_same_origin_and_local_sign_in(api: Api) -> None:
    assert expect(api.get("/config.json"), 200) == {"api_base_url": "", "auth": "local"}


def test_local_sign_in_lists_learners_and_mints_tokens_the_api_accepts(
    api: Api, local_stack: LocalStackProcess
) -> None:
    learners = expect(api.get("/local/learners"), 200)
    assert learners["local_only"] is True
    assert learners["items"][0]["user_id"] == "demo"  # the seeded learner first

    minted = expect(api.post("/local/token", json={"user_id": "demo"}), 200)
    me = expect(api.get("/me", bearer=minted["token"]), 200)
    assert me["user_id"] == "demo"
    # A new learner, named in the token (the API's default display name).
    fresh = expect(api.post("/local/token", json={"user_id": "web-new-1", "name": "Sam Lee"}), 200)
    assert expect(api.get("/me", bearer=fresh["token"]), 200)["display_name"] == "Sam Lee"
    # The page the stack serves may sign in; another site open in the browser may not.
    host = urlsplit(local_stack.url).netloc
    same = api.post("/local/token", json={"user_id": "demo"}, headers={"Origin": f"http://{host}"})
    assert same.status_code == 200
    other = api.post("/local/token", json={"user_id": "demo"}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and error_code(other) == "forbidden"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "malformed_json"),
        (b"[]", 422, "validation_error"),
        (b'{"user_id": ""}', 422, "validation_error"),
        (b'{"user_id": "a b"}', 422, "validation_error"),
        (b'{"user_id": "demo", "admin": true}', 422, "validation_error"),
        (b'{"user_id": "demo", "name": 7}', 422, "validation_error"),
    ],
)
def test_local_token_refuses_bad_bodies(api: Api, body: bytes, status: int, code: str) -> None:
    response = api.post("/local/token", data=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, error_code(response)) == (status, code)


def test_local_only_routes_are_not_api_routes(api: Api) -> None:
    paths = set(expect(api.get("/openapi.json"), 200)["paths"])
    assert not any(p.startswith("/local") or p in ("/", "/config.json") for p in paths)
    routes = tpl.routes()
    assert routes, "no HttpApi route found in template.yaml: nothing would be checked"
    assert not any(r.path.startswith("/local") or r.path == "/config.json" for r in routes)
    assert api.get("/local/token").status_code == 405


def test_the_web_client_refuses_symlinks_out_of_its_root(tmp_path: Path) -> None:
    root = tmp_path / "web"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (tmp_path / "secret.js").write_text("secret", encoding="utf-8")
    (root / "leak.js").symlink_to(tmp_path / "secret.js")
    client = WebClient(root, learners=list)
    assert client.handle("GET", "/leak.js", {}, b"") is None
    served = client.handle("GET", "/", {}, b"")
    assert served is not None and served.status == 200
    assert WEB_ROOT.joinpath("index.html").is_file()


def test_requests_follow_no_redirects_for_assets(local_stack: LocalStackProcess) -> None:
    response = requests.get(f"{local_stack.url}/js/app.js", allow_redirects=False, timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def raw_request(
    url: str, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> http.client.HTTPResponse:
    """A request with exactly these headers (Host included), read to the end."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",  # a site whose name was rebound to 127.0.0.1 (DNS rebinding)
        "evil.example",
        "127.0.0.1",
        "127.0.0.1:1",  # another port
        "localhost:1",
        "127.0.0.1.evil.example:{port}",
        "",
    ],
)
def test_local_token_needs_the_stack_as_host(local_stack: LocalStackProcess, host: str) -> None:
    port = urlsplit(local_stack.url).port
    sent = host.format(port=port)
    body = b'{"user_id": "demo"}'
    headers = {"Host": sent, "Content-Type": "application/json"}
    assert raw_request(local_stack.url, "POST", "/local/token", headers, body).status == 403
    # Same-origin for the rebound page too: the Host check alone refuses it.
    with_origin = {**headers, "Origin": f"http://{sent}"}
    assert raw_request(local_stack.url, "POST", "/local/token", with_origin, body).status == 403


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_local_token_accepts_the_stack_by_address_or_name(local_stack: LocalStackProcess, name: str) -> None:
    host = f"{name}:{urlsplit(local_stack.url).port}"
    headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
    response = raw_request(local_stack.url, "POST", "/local/token", headers, b'{"user_id": "demo"}')
    assert response.status == 200


def test_local_routes_answer_without_cors_headers(api: Api) -> None:
    origin = {"Origin": "https://evil.example"}
    answers = [
        api.get("/local/learners", headers=origin),
        api.post("/local/token", json={"user_id": "demo"}, headers=origin),
        api.request(
            "OPTIONS",
            "/local/token",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        ),
    ]
    for answer in answers:
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], answer.headers
    assert answers[0].status_code == 200 and answers[1].status_code == 403
    # The API keeps its CORS (template.yaml allows any origin).
    assert api.get("/health", headers=origin).headers["Access-Control-Allow-Origin"] == "*"
