"""Claims function: claim, list, read, evaluate. Wiring only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cme_ledger import snapstart

# The cold start without SnapStart: the import holds what every invocation needs before it is
# routed, with the collector out of it; the resolver and its routes are built on first use, or
# before the snapshot with SnapStart (cme_ledger/api/entry.py).
with snapstart.quiet_gc():
    from cme_ledger.api.entry import Api
    from cme_ledger.observability import API_REQUEST_ID, logger, metrics, tracer

api = Api("cme_ledger.api.routes.claims")

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# With SnapStart: what is built before the snapshot, and refreshed after each restore.
snapstart.register(api, clients=("dynamodb", "sqs"))


@logger.inject_lambda_context(correlation_id_path=API_REQUEST_ID)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.resolve(event, context)
