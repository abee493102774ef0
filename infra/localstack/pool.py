"""Each function in worker processes, as Lambda runs it in execution environments.

`PooledRuntime` keeps a pool per function. An invocation takes an idle worker of its function (the
most recently used: Lambda keeps warm environments busy); when none is idle and the function has
fewer than `concurrency` workers, it starts one for itself and waits for its init (a cold start);
otherwise it waits for one to be free. Each worker (`worker.py`) is its own process: it imports the
handler with the function's own environment from template.yaml (its name in the logs, its own
variables and nothing of the other functions'), runs the SnapStart hooks as Lambda's runtime does,
talks to the one moto server of the stack over its endpoint, and handles one event at a time.

Where an invocation's time went is `last_timing()` (waiting for a worker, the cold start it caused,
the run); `stats()` counts cold starts, invocations and errors per function. A worker that dies
(killed, or `os._exit` in a handler) fails its invocation and the next one starts another; a handler
that raises leaves its worker in service, as in Lambda.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import IO, Any

from infra.localstack.runtime import Timing
from infra.template import ROOT, Function

log = logging.getLogger("cme.local.pool")

# How long a worker may take to import its handler and run its before-snapshot hooks: Lambda's init
# phase is limited to 10 s; a busy development machine gets more.
INIT_TIMEOUT = 60.0
# On stop: how long idle workers get to see the end of their socket and exit, before being killed.
STOP_GRACE = 0.5

_processes: set[subprocess.Popen[bytes]] = set()
_processes_lock = threading.Lock()


def track(process: subprocess.Popen[bytes]) -> None:
    """A child process of the stack that kill_all() must end (the workers, moto's server)."""
    with _processes_lock:
        _processes.add(process)


def untrack(process: subprocess.Popen[bytes]) -> None:
    with _processes_lock:
        _processes.discard(process)


def kill_all() -> None:
    """Kill every child process of the stack at once (an exit that cannot wait for stop())."""
    with _processes_lock:
        running = list(_processes)
    for process in running:
        with contextlib.suppress(OSError):
            process.kill()


class InitError(RuntimeError):
    """A worker could not start: its handler's import or a before-snapshot hook raised, or it died."""


class FunctionError(RuntimeError):
    """The handler raised; the message carries the worker's traceback."""

    def __init__(self, function: str, kind: str, message: str, trace: str) -> None:
        super().__init__(f"{function}: {kind}: {message}\n--- in the worker ---\n{trace.rstrip()}")
        self.kind = kind


class WorkerLost(RuntimeError):
    """The worker process died during the invocation."""


@dataclass
class FunctionStats:
    cold_starts: int = 0  # workers started (each one init, as a Lambda cold start)
    init_errors: int = 0
    invocations: int = 0
    errors: int = 0  # the handler raised
    lost: int = 0  # the worker died during an invocation
    live: int = 0  # workers alive or starting
    busy: int = 0
    waiting: int = 0  # invocations waiting for a worker to be free
    peak: int = 0  # most workers alive at once
    init_seconds: list[float] = field(default_factory=list)
    restore_seconds: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "cold_starts": self.cold_starts,
            "init_errors": self.init_errors,
            "invocations": self.invocations,
            "errors": self.errors,
            "lost": self.lost,
            "live": self.live,
            "busy": self.busy,
            "waiting": self.waiting,
            "peak": self.peak,
            "init_ms": [round(s * 1000, 1) for s in self.init_seconds],
            "restore_ms": [round(s * 1000, 1) for s in self.restore_seconds],
        }


@dataclass(eq=False)
class _Worker:
    number: int
    process: subprocess.Popen[bytes]
    channel: Connection
    restored: bool = False

    def end(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with _processes_lock:
            _processes.discard(self.process)


class FunctionPool:
    """The workers of one function: at most `limit`, started on demand, one event at a time each."""

    def __init__(
        self,
        function: Function,
        environment: dict[str, str],
        limit: int,
        *,
        output: IO[bytes] | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit is at least 1")
        self.function = function
        self.environment = environment
        self.limit = limit
        self.output = output
        self.stats = FunctionStats()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._numbers = 0
        self._closing = False
        self._changed = threading.Condition()

    # ------------------------------------------------------------------ taking and giving back

    def acquire(self) -> tuple[_Worker, float]:
        """A worker for one event, and the seconds of the cold start this call waited for (0: warm)."""
        with self._changed:
            while True:
                if self._closing:
                    raise WorkerLost(f"{self.function.name}: the stack is stopping")
                if self._idle:
                    worker = self._idle.pop()
                    self.stats.busy += 1
                    return worker, 0.0
                if self.stats.live < self.limit:
                    self.stats.live += 1
                    self.stats.peak = max(self.stats.peak, self.stats.live)
                    self._numbers += 1
                    number = self._numbers
                    break
                self.stats.waiting += 1
                try:
                    self._changed.wait()
                finally:
                    self.stats.waiting -= 1
        began = time.monotonic()
        try:
            worker = self._start(number)
        except BaseException:
            with self._changed:
                self.stats.live -= 1
                self.stats.init_errors += 1
                self._changed.notify()
            raise
        init = time.monotonic() - began
        with self._changed:
            self.stats.cold_starts += 1
            self.stats.init_seconds.append(init)
            self.stats.busy += 1
            self._all.add(worker)
            if self._closing:
                self._all.discard(worker)
                self.stats.live -= 1
                self.stats.busy -= 1
                worker.end()
                raise WorkerLost(f"{self.function.name}: the stack is stopping")
        log.info(
            "%s: cold start of worker %d (pid %d) in %.0f ms",
            self.function.name,
            worker.number,
            worker.process.pid,
            init * 1000,
        )
        return worker, init

    def release(self, worker: _Worker, *, healthy: bool) -> None:
        with self._changed:
            self.stats.busy -= 1
            kept = healthy and not self._closing
            if kept:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                self.stats.live -= 1
            self._changed.notify()
        if not kept:
            worker.end()

    # ------------------------------------------------------------------ one worker

    def _start(self, number: int) -> _Worker:
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        command = [
            sys.executable,
            "-m",
            "infra.localstack.worker",
            str(fd),
            self.function.code_uri,
            self.function.handler,
            self.function.name,
            str(self.function.timeout),
        ]
        try:
            process = subprocess.Popen(  # noqa: S603 - our own module, no shell
                command,
                cwd=ROOT,
                env=self.environment,
                pass_fds=(fd,),
                stdin=subprocess.DEVNULL,
                stdout=self.output,
                stderr=self.output,
            )
        finally:
            theirs.close()
        with _processes_lock:
            _processes.add(process)
        worker = _Worker(number, process, Connection(ours.detach()))
        try:
            deadline = time.monotonic() + INIT_TIMEOUT
            while not worker.channel.poll(0.2):
                if self._closing:
                    raise WorkerLost(f"{self.function.name}: the stack is stopping")
                if time.monotonic() > deadline:
                    raise InitError(f"{self.function.name}: init took over {INIT_TIMEOUT:.0f} s")
            try:
                answer = worker.channel.recv()
            except (EOFError, OSError) as exc:
                code = process.wait(timeout=5)
                raise InitError(f"{self.function.name}: the worker exited during init ({code})") from exc
            if answer[0] != "ready":
                raise InitError(f"{self.function.name}: init failed: {answer[1]}")
        except BaseException:
            worker.end()
            raise
        return worker

    def call(self, worker: _Worker, event: dict[str, Any]) -> Any:
        """Send one event and wait for its answer (WorkerLost when the process died meanwhile)."""
        try:
            worker.channel.send(("invoke", event))
            answer = worker.channel.recv()
        except (EOFError, OSError) as exc:
            code = worker.process.poll()
            raise WorkerLost(
                f"{self.function.name}: worker {worker.number} (pid {worker.process.pid}) died"
                + (f" with status {code}" if code is not None else "")
            ) from exc
        kind = answer[0]
        restore = float(answer[-1])
        if not worker.restored:
            worker.restored = True
            with self._changed:
                self.stats.restore_seconds.append(restore)
        if kind == "ok":
            return answer[1]
        _, name, message, trace, _ = answer
        raise FunctionError(self.function.name, name, message, trace)

    # ------------------------------------------------------------------ stopping

    def stop(self) -> tuple[list[_Worker], list[_Worker]]:
        """Refuse new invocations; (idle workers, busy ones). The idle ones see their socket close
        and exit; a busy one's socket belongs to the thread waiting on it until release()."""
        with self._changed:
            self._closing = True
            idle = list(self._idle)
            busy = [worker for worker in self._all if worker not in idle]
            self.stats.live -= len(idle)  # a busy one's release() counts it out
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for worker in idle:
            with contextlib.suppress(OSError):
                worker.channel.close()
        return idle, busy


class PooledRuntime:
    """Functions invoked in worker processes: a pool per function, `concurrency` workers at most each."""

    def __init__(
        self,
        environment: Callable[[Function], dict[str, str]],
        concurrency: int | None = None,
        *,
        output: IO[bytes] | None = None,
    ) -> None:
        self.environment = environment
        self.concurrency = concurrency or os.cpu_count() or 1
        if self.concurrency < 1:
            raise ValueError("the concurrency limit is at least 1")
        self.output = output
        self._pools: dict[str, FunctionPool] = {}
        self._guard = threading.Lock()
        self._timing = threading.local()
        self._stopped = False

    def pool(self, function: Function) -> FunctionPool:
        with self._guard:
            if self._stopped:
                raise WorkerLost(f"{function.name}: the stack is stopping")
            found = self._pools.get(function.name)
            if found is None:
                found = FunctionPool(
                    function, self.environment(function), self.concurrency, output=self.output
                )
                self._pools[function.name] = found
            return found

    def last_timing(self) -> Timing:
        """Where this thread's last invoke() spent its time."""
        value: Timing = getattr(self._timing, "value", Timing())
        return value

    def load(self, function: Function) -> None:
        """Make sure the function can start (a worker is started unless one is idle; raises InitError)."""
        pool = self.pool(function)
        worker, _ = pool.acquire()
        pool.release(worker, healthy=True)

    def invoke(self, function: Function, event: dict[str, Any], *, api: bool = False) -> Any:
        """Run the event in a worker of the function; the handler's exception comes back as FunctionError."""
        pool = self.pool(function)
        asked = time.monotonic()
        worker, init = pool.acquire()
        started = time.monotonic()
        healthy = True
        try:
            with pool._changed:
                pool.stats.invocations += 1
            return pool.call(worker, event)
        except FunctionError:
            with pool._changed:
                pool.stats.errors += 1
            raise
        except WorkerLost:
            healthy = False
            with pool._changed:
                pool.stats.lost += 1
            raise
        except BaseException:
            healthy = False  # the channel may be half-way through a message
            raise
        finally:
            ran = time.monotonic() - started
            self._timing.value = Timing(queued=max(0.0, started - asked - init), init=init, ran=ran)
            pool.release(worker, healthy=healthy)
            if ran > function.timeout:
                log.warning(
                    "%s ran %.1f s, longer than its Timeout of %d s: Lambda would have stopped it",
                    function.name,
                    ran,
                    function.timeout,
                )

    def stats(self) -> dict[str, dict[str, Any]]:
        with self._guard:
            pools = dict(self._pools)
        out = {}
        for name, pool in sorted(pools.items()):
            with pool._changed:
                out[name] = pool.stats.as_json()
        return out

    def stop(self, timeout: float = 2.0) -> None:
        """End every worker within about `timeout` seconds: idle ones exit, busy ones are killed."""
        with self._guard:
            self._stopped = True
            pools = list(self._pools.values())
        idle: list[_Worker] = []
        busy: list[_Worker] = []
        for pool in pools:
            stopped = pool.stop()
            idle += stopped[0]
            busy += stopped[1]
        # An invocation in progress is abandoned, as Lambda abandons one whose environment goes
        # away: its thread gets WorkerLost and ends the worker's socket itself.
        for worker in busy:
            with contextlib.suppress(OSError):
                worker.process.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + min(STOP_GRACE, timeout)
        for worker in idle:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for worker in idle:
            worker.end()
        for worker in busy:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            with _processes_lock:
                _processes.discard(worker.process)
