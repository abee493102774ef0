"""The local stack as a subprocess for the whole session, and an HTTP client and token minter for it.

A pytest plugin (tests/conftest.py loads it), so every test directory shares the one stack.

The stack runs `python -m infra.localstack` exactly as `make run` does (with the demo seed), on a
free port; its output goes to a file whose tail is attached to every failing e2e test's report.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from infra.localstack import auth
from infra.localstack.process import ROOT, LocalStackProcess, start

__all__ = ["ROOT", "Api", "LocalStackProcess", "error_code", "expect", "local_stack", "token"]

_running: LocalStackProcess | None = None


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    global _running
    stack = start(tmp_path_factory.mktemp("localstack") / "stack.log")
    _running = stack
    try:
        yield stack
    finally:
        _running = None
        stack.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    if report.failed and _running is not None:
        report.sections.append(("local stack output (tail)", _running.tail()))


# ---------------------------------------------------------------------- clients


def token(user_id: str, *, admin: bool = False, name: str | None = None, **kwargs: Any) -> str:
    """A token the running stack accepts (same key file under .local/); kwargs as auth.mint_token."""
    return auth.mint_token(user_id, admin=admin, name=name, **kwargs)


class Api:
    """requests against the stack, with failures that show the answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        user: str | None = None,
        admin: bool = False,
        name: str | None = None,
        bearer: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        elif user is not None:
            headers["Authorization"] = f"Bearer {token(user, admin=admin, name=name)}"
        return self.session.request(method, self.base_url + path, headers=headers, timeout=60, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


def expect(response: requests.Response, status: int) -> Any:
    """The JSON body, after checking the status (the failure shows what came back)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code}, expected {status}: "
        f"{response.text[:2000]}"
    )
    return response.json() if response.content else None


def error_code(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


@pytest.fixture(scope="session")
def api(local_stack: LocalStackProcess) -> Api:
    return Api(local_stack.url)
