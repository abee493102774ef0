"""`make run` stops within a few seconds of Ctrl-C or SIGTERM to its process group (issue 12).

The stack runs as a developer runs it, `make run` in a process group of its own; before the signal it
has what a browser, a test client or a fuzzer leaves behind: idle keep-alive connections to the API
and to moto, a connection that never sent a request, and one whose request body stopped half way.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import invoke as lambda_invoke
from infra import template as tpl
from infra.localstack.gateway import Gateway, make_server
from infra.localstack.process import READY_LINE, ROOT, START_TIMEOUT, free_port
from infra.localstack.runtime import Runtime

pytestmark = pytest.mark.e2e

# A bound on a failure only: a stopped stack is gone well within it (about a second here).
STOP_BOUND = 5.0


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after it.
        state, _ppid, pgrp = text.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_gone(make: subprocess.Popen[bytes], bound: float) -> float | None:
    """Seconds until make and every process of its group were gone, or None past `bound`."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        make.poll()
        if not group_members(make.pid):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, str, str]]:
    """`make run` on a free port, in its own process group; yields (make, log, API URL, moto URL)."""
    port = free_port()
    log_path = tmp_path / "stack.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    env.pop("AWS_ENDPOINT_URL", None)
    args = f"--no-seed --env-file {tmp_path / 'stack-env.json'}"
    # -o: never (re)install the venv from here; make test has just done it.
    command = [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",
        "run",
        f"PORT={port}",
        f"RUN_ARGS={args}",
    ]
    with log_path.open("wb") as log:
        make = subprocess.Popen(  # noqa: S603 - make and our own target, no shell
            command,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while READY_LINE not in (text := log_path.read_text(errors="replace")):
            assert make.poll() is None, f"make run exited with {make.returncode}:\n{text}"
            assert time.monotonic() < deadline, f"make run did not start:\n{text}"
            time.sleep(0.1)
        found = re.search(r"AWS endpoint \(moto\): (\S+)", text)
        assert found, text
        yield make, log_path, f"http://127.0.0.1:{port}", found.group(1)
    finally:
        if group_members(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(5)


def leave_connections_open(api_url: str, moto_url: str) -> list[object]:
    """What clients leave behind: kept-alive connections, a silent one, a request cut half way."""
    held: list[object] = []
    for url, path in ((api_url, "/health"), (moto_url, "/")):
        host, port = url.removeprefix("http://").split(":")
        for _ in range(3):
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", path)
            connection.getresponse().read()  # HTTP/1.1: the connection stays open, idle
            held.append(connection)
        held.append(socket.create_connection((host, int(port)), timeout=10))
    host, port = api_url.removeprefix("http://").split(":")
    partial = socket.create_connection((host, int(port)), timeout=10)
    partial.sendall(
        b"PUT /me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    held.append(partial)
    return held


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_make_run_stops_within_seconds_of_a_signal_to_its_group(
    make_run: tuple[subprocess.Popen[bytes], Path, str, str], signum: int
) -> None:
    make, log_path, api_url, moto_url = make_run
    held = leave_connections_open(api_url, moto_url)
    try:
        # As a terminal's Ctrl-C or `kill -TERM -PGID` does: make and the stack both get it (and make
        # passes a SIGTERM on to the stack, so the stack gets that one twice).
        os.killpg(make.pid, signum)
        took = wait_gone(make, STOP_BOUND)
    finally:
        for thing in held:
            thing.close()  # type: ignore[attr-defined]
    output = log_path.read_text(errors="replace")
    assert took is not None, f"still running {STOP_BOUND:.0f} s after the signal:\n{output[-3000:]}"
    # A clean stop, not the watchdog's: said once, and finished.
    assert output.count("stopping") == 1, output[-3000:]
    assert "stopped" in output and "exiting anyway" not in output, output[-3000:]


def test_stopping_the_gateway_ends_its_idle_keep_alive_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each connection has a thread waiting for its next request; stopping must end them, not wait."""
    route = tpl.Route("GET", "/ping", "Ping", True)
    function = tpl.Function("Ping", "tests/e2e/nowhere-ping", "app.handler", {}, 3, routes=(route,))
    monkeypatch.setitem(
        lambda_invoke._handlers,
        (function.code_uri, function.handler),
        lambda event, context: {"statusCode": 200, "body": "{}"},
    )
    server = make_server(Gateway(Runtime(), {"Ping": function}), 0)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    before = set(threading.enumerate())
    port = server.server_address[1]
    clients = []
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/ping")
        assert connection.getresponse().read() == b"{}"
        clients.append(connection)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    deadline = time.monotonic() + STOP_BOUND  # bounds a failure only
    while server.open_connections() < 4:  # the silent one is accepted on the server's own time
        assert time.monotonic() < deadline, f"{server.open_connections()} connection(s) accepted"
        time.sleep(0.01)
    connection_threads = [t for t in threading.enumerate() if t not in before]
    assert len(connection_threads) >= 4

    server.shutdown()
    server.server_close()
    assert server.close_connections() == 4
    for thread in connection_threads:
        thread.join(STOP_BOUND)
    assert not [t for t in connection_threads if t.is_alive()], "a connection thread outlived the stop"
    # And the clients see their connections closed, instead of hanging until their own timeout.
    assert silent.recv(1) == b""
    for connection in clients:
        assert connection.sock is not None and connection.sock.recv(1) == b""
        connection.close()
    silent.close()
