"""The local stack as a child process, as `make run` starts it: for tests, benchmarks and load runs.

`start()` returns once `GET /health` answers and the stack has printed its moto endpoint; the
stack's output goes to a file (the caller's), so a failure can show its tail.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
    env_file: Path

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """`cme <args>` (audit, sweep, ...) against this stack, whatever other stack runs on the machine."""
        env = {
            **os.environ,
            **json.loads(self.env_file.read_text(encoding="utf-8")),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        return subprocess.run(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "infra.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def audit(self) -> list[str]:
        """The ledger audit's violations (empty: clean); raises when the audit itself could not run."""
        done = self.cli("audit")
        if "audit clean" in done.stdout and done.returncode == 0:
            return []
        found = [line for line in done.stdout.splitlines() if line.strip() and "violation(s)" not in line]
        if done.returncode == 1 and found:
            return found
        raise RuntimeError(f"cme audit failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 - our own loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(
    log_path: Path, *, args: Sequence[str] = ("--visibility-timeout", "2"), env: dict[str, str] | None = None
) -> LocalStackProcess:
    """`python -m infra.localstack --port <free> *args`, ready to serve."""
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    environment.pop("AWS_ENDPOINT_URL", None)
    env_file = log_path.with_name(f"{log_path.stem}-env.json")
    command = [
        sys.executable,
        "-m",
        "infra.localstack",
        "--port",
        str(port),
        "--env-file",
        str(env_file),
        *args,
    ]
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=environment
        )
    url = f"http://127.0.0.1:{port}"
    deadline = started + START_TIMEOUT
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{text}")
        if READY_LINE in text and _healthy(url):
            break
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the local stack did not start within {START_TIMEOUT:.0f} s:\n{text}")
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    found = re.search(r"AWS endpoint \(moto\): (\S+)", text)
    if not found:
        process.kill()
        raise RuntimeError(f"the local stack did not print its AWS endpoint:\n{text}")
    return LocalStackProcess(url, found.group(1), log_path, process, elapsed, env_file)
