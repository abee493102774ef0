"""The local stack: CME Ledger with no AWS account (docs/local-stack.md).

moto's server provides DynamoDB, S3 and SQS in-process; template.yaml is the one source of the
tables, bucket, queues, routes, queue subscriptions and schedules; an HTTP gateway on 127.0.0.1
checks bearer tokens as the HTTP API's JWT authorizer would and invokes the real handlers.

Modules: `auth` (local signing key, tokens, verification), `gateway` (routing, CORS, HTTP server),
`runtime` (invoking handlers), `queues` (SQS delivery), `schedules` (EventBridge expressions),
`seed` (demo data), `stack` (all of it together), `__main__` (`python -m infra.localstack`).
"""

from infra.localstack.auth import AUDIENCE, ISSUER

__all__ = ["AUDIENCE", "ISSUER"]
