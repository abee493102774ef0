"""The whole local stack: moto's server, the resources of template.yaml, the HTTP gateway, queue
pollers and schedules in this process, and each function in worker processes of its own (pool.py),
started on demand. `LocalStack.start()` returns once everything answers."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3

from infra import template as tpl
from infra.events import schedule_event
from infra.localstack.gateway import Cors, Gateway, GatewayServer, make_server
from infra.localstack.pool import PooledRuntime, track, untrack
from infra.localstack.queues import QueuePoller
from infra.localstack.runtime import Invoker, Runtime
from infra.localstack.schedules import ScheduleRunner
from infra.localstack.web import WebClient
from infra.provision import REGION, Stack, provision

log = logging.getLogger("cme.local")

HOST = "127.0.0.1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Settings a developer may set before starting the stack; the template's values do not replace them.
USER_OVERRIDABLE = ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT")


@dataclass
class Options:
    port: int = 3000
    aws_port: int = 0
    visibility_timeout: int = 5
    schedule_scale: float = 1.0
    schedules: bool = True
    queues: bool = True
    env_file: Path | None = None  # where `cme` finds this stack's resources (default ENV_FILE)
    # Worker processes per function at most (None: the number of CPUs), as Lambda's concurrency.
    concurrency: int | None = None
    # Every function in this process, one API call at a time (a debugger's breakpoints work).
    in_process: bool = False


def point_at_moto(endpoint_url: str) -> None:
    """Make every boto3/pynamodb client in this process use moto, with fake credentials only."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in (
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
        ):
            del os.environ[name]
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # No X-Ray daemon locally; metrics would print an EMF blob per invocation.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


def lambda_variables(name: str, template: dict[str, Any] | None = None) -> dict[str, str]:
    """The variables Lambda's runtime sets in a function's environment (besides the template's)."""
    globals_ = ((template or tpl.load()).get("Globals") or {}).get("Function") or {}
    props = tpl.resources(template)[name].get("Properties") or {}
    snap_start = (props.get("SnapStart") or globals_.get("SnapStart") or {}).get("ApplyOn")
    if tpl.is_tag(snap_start):
        # !If [SnapStartEnabled, PublishedVersions, "None"]: the template's defaults turn it on, and
        # the workers run the SnapStart hooks either way.
        snap_start = "PublishedVersions" if "PublishedVersions" in repr(snap_start) else None
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", globals_.get("MemorySize", 128))),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start" if snap_start == "PublishedVersions" else "on-demand",
    }


class LocalStack:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.stop_event = threading.Event()
        self.runtime: Invoker
        self.pool: PooledRuntime | None = None
        if self.options.in_process:
            self.runtime = Runtime()
        else:
            self.pool = PooledRuntime(self.function_environment, self.options.concurrency)
            self.runtime = self.pool
        self.functions = tpl.functions()
        self._worker_base: dict[str, str] = {}
        self._overrides: dict[str, str] = {}
        self.web = WebClient(
            frame_sources=lambda: f"'self' {self.endpoint_url}".strip(),
            connect_sources=lambda: f"'self' {self.endpoint_url}".strip(),
            port=lambda: self.port,
            workers=self.worker_stats,
        )
        self.gateway = Gateway(
            self.runtime,
            self.functions,
            cors=Cors.from_template(),
            fallback=self.web.handle,
            edge=self.web.edge,
        )
        self.stack: Stack | None = None
        self.endpoint_url = ""
        self.threads: list[threading.Thread] = []
        self._moto: subprocess.Popen[bytes] | None = None
        self._http: GatewayServer | None = None
        self._serving: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._http.server_address[1]) if self._http else self.options.port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        started = time.monotonic()
        # Bind first: a busy port fails before anything else starts.
        self._http = make_server(self.gateway, self.options.port, HOST)
        # Every function's log_metrics warns when it published none: noise locally, where metrics are off.
        warnings.filterwarnings("ignore", message="No application metrics to publish")

        self._start_moto()
        point_at_moto(self.endpoint_url)

        self.stack = provision(endpoint_url=self.endpoint_url, public_base_url=self.url)
        overrides = {k: os.environ[k] for k in USER_OVERRIDABLE if k in os.environ}
        # A worker's environment: this one (moto's endpoint, fake credentials), then its function's
        # own variables from the template, not the union of every function's that this process gets.
        self._worker_base = dict(os.environ)
        self._overrides = overrides
        os.environ.update(self.stack.shared_environment())
        os.environ.update(overrides)
        write_env_file(
            {**self.stack.shared_environment(), "AWS_ENDPOINT_URL": self.endpoint_url}, self.options.env_file
        )
        from cme_ledger.config import reset_settings

        reset_settings()

        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=self.endpoint_url)
        for queue in self.stack.queues.values():
            # Retries in seconds, not the template's minutes; the redrive policy still applies.
            sqs.set_queue_attributes(
                QueueUrl=queue["url"], Attributes={"VisibilityTimeout": str(self.options.visibility_timeout)}
            )

        self._serving = threading.Thread(target=self._http.serve_forever, name="gateway", daemon=True)
        self._serving.start()
        if self.options.queues:
            self._start_pollers(sqs)
        if self.options.schedules:
            self._start_schedules()
        log.info("local stack up in %.2f s", time.monotonic() - started)

    def _start_moto(self) -> None:
        """moto's server in its own process (moto_process.py); returns once it answers."""
        from infra.localstack.moto_process import READY

        command = [
            sys.executable,
            "-m",
            "infra.localstack.moto_process",
            "--host",
            HOST,
            "--port",
            str(self.options.aws_port),
        ]
        self._moto = subprocess.Popen(  # noqa: S603 - our own module, no shell
            command, cwd=tpl.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        track(self._moto)
        assert self._moto.stdout is not None
        line = self._moto.stdout.readline().decode(errors="replace").strip()
        if not line.startswith(READY):
            self._stop_moto()
            raise OSError(f"moto's server did not start: {line or 'it exited'}")
        self.endpoint_url = line[len(READY) :]
        threading.Thread(target=_relay, args=(self._moto.stdout,), name="moto-output", daemon=True).start()

    def _stop_moto(self) -> None:
        moto, self._moto = self._moto, None
        if moto is None:
            return
        with contextlib.suppress(OSError):
            if moto.stdin is not None:
                moto.stdin.close()  # its signal to exit
        try:
            moto.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            moto.kill()
            moto.wait(timeout=5)
        untrack(moto)

    def function_environment(self, function: tpl.Function) -> dict[str, str]:
        """What a worker of `function` runs with: the stack's AWS settings, the template's variables
        of this function only, the developer's log settings, and Lambda's own variables."""
        assert self.stack is not None, "the stack is not started"
        return {
            **self._worker_base,
            **self.stack.environment(function),
            **self._overrides,
            **lambda_variables(function.name),
        }

    def worker_stats(self) -> dict[str, Any]:
        """GET /local/workers: the pools' counts (empty in process)."""
        if self.pool is None:
            return {"concurrency": None, "functions": {}}
        return {"concurrency": self.pool.concurrency, "functions": self.pool.stats()}

    def _start_pollers(self, sqs: Any) -> None:
        assert self.stack is not None
        for function in self.functions.values():
            for queue_id, batch_size in function.queues:
                queue = self.stack.queues[queue_id]

                def invoke(event: dict[str, Any], function: tpl.Function = function) -> Any:
                    return self.runtime.invoke(function, event)

                def load(function: tpl.Function = function) -> None:
                    self.runtime.load(function)

                poller = QueuePoller(
                    name=f"{queue_id}->{function.name}",
                    sqs=sqs,
                    queue_url=queue["url"],
                    queue_arn=queue["arn"],
                    batch_size=batch_size,
                    invoke=invoke,
                    load=load,
                    stop=self.stop_event,
                )
                poller.start()
                self.threads.append(poller)

    def _start_schedules(self) -> None:
        for function in self.functions.values():
            for expression in function.schedules:

                def fire(expr: str, function: tpl.Function = function) -> Any:
                    return self.runtime.invoke(function, schedule_event(function.name, expr))

                try:
                    runner = ScheduleRunner(
                        name=function.name,
                        expression=expression,
                        invoke=fire,
                        stop=self.stop_event,
                        scale=self.options.schedule_scale,
                    )
                except ValueError as exc:
                    log.error("%s: schedule not run locally: %s", function.name, exc)
                    continue
                runner.start()
                self.threads.append(runner)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and delivering; returns within about `timeout` seconds, whatever is running.

        Open connections are shut, idle keep-alive ones included, so no thread waits for a client.
        A delivery or scheduled run still going after `timeout` is abandoned (its thread is a daemon),
        as Lambda abandons an invocation whose environment goes away.
        """
        self.stop_event.set()
        if self._http is not None:
            if self._serving is not None:
                self._http.shutdown()
            self._http.server_close()
            self._http.close_connections()
        deadline = time.monotonic() + timeout
        if self.pool is not None:
            self.pool.stop(timeout)
            self._log_pools()
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._stop_moto()

    def _log_pools(self) -> None:
        assert self.pool is not None
        for name, counts in self.pool.stats().items():
            log.info(
                "%s: %d cold start(s), %d invocation(s), %d error(s), %d worker(s) at most",
                name,
                counts["cold_starts"],
                counts["invocations"],
                counts["errors"],
                counts["peak"],
            )


def _relay(stream: IO[bytes]) -> None:
    """Whatever moto's process prints after its ready line, on the stack's own output."""
    for line in iter(stream.readline, b""):
        sys.stdout.buffer.write(line)
        sys.stdout.flush()


ENV_FILE = Path(__file__).resolve().parents[2] / ".local" / "stack-env.json"


def write_env_file(env: dict[str, str], path: Path | None = None) -> None:
    """Where `cme audit|sweep|rerender|report` find the running stack's resources."""
    path = path or ENV_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(env, indent=2), encoding="utf-8")
