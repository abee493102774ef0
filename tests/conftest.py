"""Shared fixtures: AWS under moto with the table, bucket and queues built from template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# The local stack as a subprocess (one per session) for e2e, fuzz, load and browser tests.
pytest_plugins = ["tests.stack"]

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CmeLedger")
os.environ.setdefault("POWERTOOLS_DEV", "false")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh moto backend with everything template.yaml declares, and the functions' environment set."""
    from moto import mock_aws

    from cme_ledger import runtime
    from infra import moto_patches
    from infra.provision import provision

    moto_patches.apply()

    with mock_aws():
        stack = provision(prefix="test", public_base_url="https://cme.test")
        for key, value in stack.shared_environment().items():
            monkeypatch.setenv(key, value)
        runtime.reset()
        yield stack
        runtime.reset()
    runtime.reset()


@pytest.fixture
def admin_call() -> Any:
    from tests.support import call

    def _call(method: str, path: str, **kwargs: Any) -> Any:
        return call(method, path, user="staff-1", admin=True, **kwargs)

    return _call
