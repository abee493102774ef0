"""What the in-process benchmarks share: fake credentials, quiet Powertools, and the template's
resources on moto (`infra.provision`), with the functions' environment set for them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_NAMESPACE": "CmeLedger",
}


def offline() -> None:
    """Fake credentials and quiet Powertools (what is already set wins); never a real endpoint."""
    os.environ.update({k: v for k, v in _ENV.items() if k not in os.environ})
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)


@contextmanager
def moto_stack() -> Iterator[Any]:
    """A fresh moto backend with template.yaml's resources, the functions' environment set."""
    from moto import mock_aws

    from cme_ledger.config import reset_settings
    from infra.provision import provision

    with mock_aws():
        stack = provision(prefix="bench")
        # Benchmarks print their figures, not one log line per request.
        os.environ.update({**stack.shared_environment(), "POWERTOOLS_LOG_LEVEL": "WARNING"})
        reset_settings()
        try:
            yield stack
        finally:
            reset_settings()  # clients made for this backend are not reused after it
