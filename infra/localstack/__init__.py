"""The local stack: CME Ledger with no AWS account (docs/local-stack.md).

moto's server provides DynamoDB, S3 and SQS in-process; template.yaml is the one source of the
tables, bucket, queues, routes, queue subscriptions and schedules; an HTTP gateway on 127.0.0.1
checks bearer tokens as the HTTP API's JWT authorizer would and invokes the real handlers.

Modules: `auth` (local signing key, tokens, verification), `gateway` (routing, CORS, HTTP server),
`runtime` (invoking handlers in this process), `pool` (a pool of worker processes per function, as
Lambda's execution environments), `worker` (one such process), `queues` (SQS delivery), `schedules`
(EventBridge expressions), `seed` (demo data), `stack` (all of it together), `__main__`
(`python -m infra.localstack`).

Nothing is imported here: every worker process imports this package first, and its cold start is
the function's own.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AUDIENCE", "ISSUER"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from infra.localstack import auth

        return getattr(auth, name)
    raise AttributeError(name)
