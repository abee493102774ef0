"""One execution environment of a function: `python -m infra.localstack.worker FD CODE_URI HANDLER NAME TIMEOUT`.

The local stack's worker pool (`pool.py`) starts this process with the function's own environment
(the template's variables, the Lambda runtime's, moto's endpoint) and one end of a socket pair as
file descriptor FD. The process then does what Lambda's Python runtime does with an environment:

1. init: import the handler (the cold start), then run the SnapStart before-snapshot hooks the
   handler registered with `snapshot_restore_py.register_before_snapshot`, last registered first
   (AWS's runtime pops them off the registry). It answers `("ready", init_seconds)`, or
   `("failed", text)` and exits when the import or a hook raised (Lambda's init error).
2. before the first event, the after-restore hooks (`register_after_restore`), in the order of
   registration, as a restored environment runs them;
3. one event at a time: `("invoke", event)` -> `("ok", result, restore_seconds)` or
   `("error", type name, message, traceback, restore_seconds)`. A handler's exception leaves the
   environment in service, as Lambda's runtime does; a failed after-restore hook ends it.

End of file on the socket (the stack stopped or went away) ends the process. Ctrl-C reaches every
process of `make run`'s group: the worker ignores it, and the stack stops its workers itself.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
import warnings
from multiprocessing.connection import Connection
from typing import Any


def run_before_snapshot() -> None:
    """The registered before-snapshot hooks, last registered first (AWS's runtime pops them)."""
    from snapshot_restore_py import get_before_snapshot

    hooks: list[Any] = get_before_snapshot()
    while hooks:
        func, args, kwargs = hooks.pop()
        func(*args, **kwargs)


def run_after_restore() -> None:
    """The registered after-restore hooks, in the order of registration."""
    from snapshot_restore_py import get_after_restore

    hooks: list[Any] = get_after_restore()
    for func, args, kwargs in hooks:
        func(*args, **kwargs)


def _failure(exc: BaseException) -> tuple[str, str, str]:
    return type(exc).__name__, str(exc), "".join(traceback.format_exception(exc))


def serve(channel: Connection, code_uri: str, handler_name: str, function_name: str, timeout: int) -> int:
    from infra.invoke import LambdaContext, load_handler

    started = time.monotonic()
    try:
        handler = load_handler(code_uri, handler_name)
        run_before_snapshot()
    except BaseException as exc:  # noqa: BLE001 - whatever init raised is the init error to report
        name, message, trace = _failure(exc)
        channel.send(("failed", f"{name}: {message}\n{trace}"))
        return 1
    channel.send(("ready", time.monotonic() - started))

    restored = False
    while True:
        try:
            message = channel.recv()
        except (EOFError, OSError):
            return 0
        if message[0] != "invoke":
            return 0
        event = message[1]
        restore = 0.0
        if not restored:
            began = time.monotonic()
            try:
                run_after_restore()
            except BaseException as exc:  # noqa: BLE001 - Lambda fails the invoke and drops the environment
                channel.send(("error", *_failure(exc), time.monotonic() - began))
                return 1
            restore = time.monotonic() - began
            restored = True
        try:
            result = handler(event, LambdaContext(function_name, timeout))
            channel.send(("ok", result, restore))
        except Exception as exc:  # noqa: BLE001 - the function's error, reported to the invoker
            channel.send(("error", *_failure(exc), restore))
        finally:
            # Log lines of this event reach the stack's output before the next one starts.
            sys.stdout.flush()
            sys.stderr.flush()


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # As in the stack's own process: log_metrics warns on every invocation where metrics are off.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    fd, code_uri, handler_name, function_name, timeout = argv
    channel = Connection(int(fd))
    try:
        return serve(channel, code_uri, handler_name, function_name, int(timeout))
    finally:
        channel.close()


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # As Lambda ends an environment: no interpreter teardown (clients, thread pools) to wait for.
    os._exit(code)
