"""Loading the real handlers named in template.yaml and invoking them as Lambda would.

Imported by every worker process of the local stack before the handler (infra/localstack/worker.py),
so it imports nothing heavy: the template is only a type here.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.template import Function

ROOT = Path(__file__).resolve().parent.parent

_handlers: dict[tuple[str, str], Callable[[dict[str, Any], Any], Any]] = {}
# Handlers are imported one at a time: two threads importing the same packages at once (a queue
# poller loading its handler while the gateway's first request loads another) can each be handed
# the other's half-initialized module ("cannot import name 'Metrics' from partially initialized
# module"), which is what happened when S3's test event woke the upload poller during seeding.
_importing = threading.Lock()


@dataclass
class LambdaContext:
    """What the Lambda runtime passes as `context`, with a real deadline."""

    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def handler_of(function: Function) -> Callable[[dict[str, Any], Any], Any]:
    """Import CodeUri/module.py by path (each function folder has its own app.py) and return the handler."""
    return load_handler(function.code_uri, function.handler)


def load_handler(code_uri: str, handler: str) -> Callable[[dict[str, Any], Any], Any]:
    """The template's `Handler` (module.function) of the code at `CodeUri`, imported once per process."""
    key = (code_uri, handler)
    if key in _handlers:
        return _handlers[key]
    with _importing:
        if key in _handlers:  # imported by another thread while this one waited
            return _handlers[key]
        module_name, attr = handler.rsplit(".", 1)
        path = ROOT / code_uri / f"{module_name.replace('.', '/')}.py"
        unique = "lambda_" + code_uri.replace("/", "_") + "_" + module_name.replace(".", "_")
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        spec.loader.exec_module(module)
        _handlers[key] = getattr(module, attr)
        return _handlers[key]


def invoke(function: Function, event: dict[str, Any]) -> Any:
    return handler_of(function)(event, LambdaContext(function.name, function.timeout))
