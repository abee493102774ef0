"""`python -m infra.localstack [--port N]`: what `make run` starts. Ctrl-C stops it; data lives in memory.

Ctrl-C or SIGTERM (to the process or its process group) stops it within a few seconds, whatever it
holds or runs: see `STOP_WITHIN` and `exit_now`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

from infra.localstack import auth

PRINTED_TOKEN_LIFETIME = 12 * 3600
# From the first Ctrl-C or SIGTERM to the process gone, whatever is still running (an API request, a
# render, a scheduled job): past this the process exits anyway, with status 1.
STOP_WITHIN = 4.0


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        sys.exit(f"{name} must be a number, not {raw!r}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.localstack",
        description="CME Ledger on one machine: moto + the template's routes, queues and schedules.",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT") or 3000), help="HTTP API port (default 3000)"
    )
    parser.add_argument("--aws-port", type=int, default=0, help="moto server port (default: a free one)")
    parser.add_argument("--no-seed", action="store_true", help="start empty, without the demo data")
    parser.add_argument(
        "--schedule-scale",
        type=float,
        default=_float_env("CME_SCHEDULE_SCALE", 1.0),
        help="run schedules this many times more often (env CME_SCHEDULE_SCALE; 60: daily jobs every 24 min)",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=5,
        help="SQS visibility timeout set on every queue, so failed messages come back in seconds (default 5)",
    )
    parser.add_argument("--no-schedules", action="store_true", help="do not run scheduled functions")
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="where to write the resources `cme audit|sweep|...` act on (default .local/stack-env.json)",
    )
    parser.add_argument("--log-level", default="INFO", help="level of the stack's own log (default INFO)")
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=None,
        help="worker processes (execution environments) per function at most (default: the number of CPUs)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run every function in this process, one API call at a time (for a debugger's breakpoints)",
    )
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def banner(url: str, endpoint_url: str, seeded: bool, concurrency: int | None = None) -> str:
    admin = auth.mint_token("local-admin", admin=True, name="Local Admin", expires_in=PRINTED_TOKEN_LIFETIME)
    workers = (
        f"up to {concurrency} worker process(es) per function, started on demand"
        if concurrency
        else "every function in this process, one API call at a time"
    )
    lines = [
        "",
        f"CME Ledger local stack ready at {url}",
        f"  Web client: {url}/  (local sign-in: pick a learner)",
        f"  AWS endpoint (moto): {endpoint_url}",
        f"  Functions: {workers}",
        f"  JWT issuer {auth.ISSUER}, audience {auth.AUDIENCE}; key {auth.key_path()}",
        "",
    ]
    if seeded:
        demo = auth.mint_token("demo", name="Dana Whitfield", expires_in=PRINTED_TOKEN_LIFETIME)
        lines += [f"DEMO_TOKEN={demo}", ""]
    lines += [
        f"ADMIN_TOKEN={admin}",
        "",
        "Tokens last 12 hours; mint others with: .venv/bin/cme token USER_ID [--admin] [--name NAME]",
        "",
        "Try:",
        f"  curl -s {url}/health",
    ]
    if seeded:
        lines += [
            f'  curl -s -H "Authorization: Bearer $DEMO_TOKEN" {url}/me',
            f'  curl -s -H "Authorization: Bearer $DEMO_TOKEN" "{url}/credits?limit=5"',
            f'  curl -s -H "Authorization: Bearer $DEMO_TOKEN" {url}/credits/summary',
        ]
    lines += [
        f'  curl -s -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \\\n'
        f'       -d \'{{"premium_until": "2030-01-01T00:00:00Z"}}\' {url}/admin/members/demo/membership',
        "",
        "Ctrl-C stops the stack (its data lives in memory only).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("cme.local").setLevel(args.log_level.upper())
    log = logging.getLogger("cme.local")

    from infra.localstack.seed import SeedError, seed
    from infra.localstack.stack import LocalStack, Options

    started = time.monotonic()
    auth.signing_key()  # create the key file now, so `cme token` and the stack agree from the start
    stack = LocalStack(
        Options(
            port=args.port,
            aws_port=args.aws_port,
            visibility_timeout=args.visibility_timeout,
            schedule_scale=args.schedule_scale,
            schedules=not args.no_schedules,
            env_file=args.env_file,
            concurrency=args.concurrency,
            in_process=args.in_process,
        )
    )

    first_signal = threading.Lock()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        # `make run` passes a SIGTERM sent to its process group on to the stack: the same request
        # twice, and the second can run inside this very handler. Taking a lock is atomic where a
        # check-then-set is not; the first signal's watchdog already bounds the stop.
        if not first_signal.acquire(blocking=False):
            log.debug("signal %d: already stopping", signum)
            return
        stack.stop_event.set()
        log.info("signal %d: stopping", signum)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C quits at once
        watchdog = threading.Timer(STOP_WITHIN, _stuck, args=(log,))
        watchdog.daemon = True
        watchdog.start()

    # Before start(): a signal while the stack comes up stops it as well, within the same bound.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
    except OSError as exc:
        print(f"cannot start the local stack on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        stack.stop()
        return 1

    seeded = False
    if not args.no_seed and not stack.stop_event.is_set():
        try:
            summary = seed(stack.gateway)
            seeded = True
            log.info("seeded %d courses and %d credits for demo", summary.courses, summary.credits)
        except SeedError as exc:
            log.error("seeding failed (the stack keeps running without demo data): %s", exc)
    concurrency = stack.pool.concurrency if stack.pool is not None else None
    print(banner(stack.url, stack.endpoint_url, seeded, concurrency), flush=True)
    log.info("ready in %.2f s", time.monotonic() - started)

    while not stack.stop_event.wait(0.5):
        pass
    stack.stop()
    log.info("stopped")
    return 0


def _stuck(log: logging.Logger) -> None:
    log.error("not stopped within %.0f s of the signal: exiting anyway", STOP_WITHIN)
    exit_now(1)


def exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown, once the stack has stopped.

    Everything the stack holds is in memory and goes with the process. Tearing the interpreter down
    would first free it object by object (moto's tables are millions of small objects after a fuzzing
    or load run): seconds, growing with the data, before the process was gone. Logs are flushed first.
    """
    from infra.localstack.pool import kill_all

    kill_all()  # the workers go with the stack, whatever they are running
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
