"""The local stack as a subprocess for the whole session, and an HTTP client and token minter for it.

A pytest plugin (tests/conftest.py loads it), so every test directory shares the one stack.

The stack runs `python -m infra.localstack` exactly as `make run` does (with the demo seed), on a
free port; its output goes to a file whose tail is attached to every failing e2e test's report.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.localstack import auth

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
READY_LINE = "CME Ledger local stack ready at"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStackProcess:
    url: str
    aws_endpoint: str
    log_path: Path
    process: subprocess.Popen[bytes]
    startup_seconds: float

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


_running: LocalStackProcess | None = None


def _start(log_path: Path) -> LocalStackProcess:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    env.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-m", "infra.localstack", "--port", str(port), "--visibility-timeout", "2"]
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = started + START_TIMEOUT
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{text}")
        if READY_LINE in text:
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the local stack did not start within {START_TIMEOUT:.0f} s:\n{text}")
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    found = re.search(r"AWS endpoint \(moto\): (\S+)", text)
    if not found:
        process.kill()
        raise RuntimeError(f"the local stack did not print its AWS endpoint:\n{text}")
    return LocalStackProcess(url, found.group(1), log_path, process, elapsed)


def _stop(stack: LocalStackProcess) -> None:
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGTERM)
        try:
            stack.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait(timeout=5)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    global _running
    stack = _start(tmp_path_factory.mktemp("localstack") / "stack.log")
    _running = stack
    try:
        yield stack
    finally:
        _running = None
        _stop(stack)


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
