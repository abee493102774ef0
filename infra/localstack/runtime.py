"""Invoking the template's functions in this process, one invocation per function at a time.

What the tests use in-process (`Gateway(Runtime(), ...)`) and `python -m infra.localstack
--in-process` (a debugger's breakpoints in handlers); the served stack runs each function in worker
processes instead (`pool.py`).

Lambda runs one event per container at a time, and the handlers keep per-invocation state in module
globals (Powertools' resolver keeps the current event in a class attribute shared by every API
function), so in one process the calls are serialized: every API invocation holds one lock, and each
function runs one event at a time. Background functions (queues, schedules) run in parallel with the
API. Handlers are imported on first invocation, so a function whose code is not written yet only
fails when it is called.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra import invoke as lambda_invoke
from infra.template import ROOT, Function

log = logging.getLogger("cme.local.runtime")


@dataclass(frozen=True)
class Timing:
    """Where the time of one invocation went, in seconds (the gateway's Server-Timing header)."""

    queued: float = 0.0  # waiting for a free execution environment (or, in process, for the lock)
    init: float = 0.0  # the cold start of an environment started for this invocation (0: a warm one)
    ran: float = 0.0  # the function's run, after-restore hooks included


class Invoker(Protocol):
    """What the gateway, the queue pollers and the schedules invoke functions through."""

    def invoke(self, function: Function, event: dict[str, Any], *, api: bool = False) -> Any: ...

    def load(self, function: Function) -> None: ...

    def last_timing(self) -> Timing: ...


class Runtime:
    def __init__(self) -> None:
        self._api_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._timing = threading.local()

    def _lock_of(self, function: Function) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(function.name, threading.Lock())

    def timing(self) -> tuple[float, float]:
        """(seconds waiting for the function, seconds running it) of this thread's last invoke()."""
        value: tuple[float, float] = getattr(self._timing, "value", (0.0, 0.0))
        return value

    def last_timing(self) -> Timing:
        queued, ran = self.timing()
        return Timing(queued=queued, ran=ran)

    @staticmethod
    def code_path(function: Function) -> Path:
        module = function.handler.rsplit(".", 1)[0]
        return ROOT / function.code_uri / f"{module.replace('.', '/')}.py"

    def load(self, function: Function) -> None:
        """Import the handler now (raises what the import raises)."""
        with self._lock_of(function):
            lambda_invoke.handler_of(function)

    def invoke(self, function: Function, event: dict[str, Any], *, api: bool = False) -> Any:
        """Run the handler with a LambdaContext; exceptions propagate to the caller.

        `timing()` then tells this thread how long the call waited for its turn and how long it ran.
        """
        queued = time.monotonic()
        with contextlib.ExitStack() as turn:
            if api:
                turn.enter_context(self._api_lock)
            turn.enter_context(self._lock_of(function))
            started = time.monotonic()
            try:
                result = lambda_invoke.invoke(function, event)
            finally:
                self._timing.value = (started - queued, time.monotonic() - started)
        elapsed = time.monotonic() - started
        if elapsed > function.timeout:
            log.warning(
                "%s ran %.1f s, longer than its Timeout of %d s: Lambda would have stopped it",
                function.name,
                elapsed,
                function.timeout,
            )
        return result
