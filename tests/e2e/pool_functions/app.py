"""A function for the worker pool's tests (tests/e2e/test_worker_pool.py): it tells which process ran
it, what its SnapStart hooks did and what its environment holds, and on request waits for others,
raises, or ends its process."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from snapshot_restore_py import register_after_restore, register_before_snapshot

logger = Logger(service="pool-test")
HOOKS: list[str] = []


def _note(name: str) -> None:
    HOOKS.append(name)


# Two of each, to see the order Lambda's runtime runs them in.
register_before_snapshot(_note, "before-snapshot 1")
register_before_snapshot(_note, "before-snapshot 2")
register_after_restore(_note, "after-restore 1")
register_after_restore(_note, "after-restore 2")


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60  # bounds a failure only
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = event.get("action")
    folder = Path(event["folder"]) if "folder" in event else None
    if action == "meet" and folder is not None:
        # Inside at the same time as `count` invocations in all (each leaves a file named by its pid).
        (folder / f"{os.getpid()}.in").touch()
        _wait_for(lambda: len(list(folder.glob("*.in"))) >= event["count"], "the others never came")
    elif action == "hold" and folder is not None:
        (folder / "held").touch()
        _wait_for(lambda: (folder / "go").exists(), "never let go")
    elif action == "raise":
        raise ValueError("asked to fail")
    elif action == "exit":
        os._exit(3)
    logger.info("handled", extra={"action": action})
    return {
        "pid": os.getpid(),
        "hooks": list(HOOKS),
        "context_function_name": context.function_name,
        "env": {name: os.environ.get(name) for name in event.get("env", [])},
    }
