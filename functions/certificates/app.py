"""Certificates function: claim preview, certificate download, public verification. Wiring only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cme_ledger import snapstart

# The cold start without SnapStart: the collector stays out of the import (cme_ledger/snapstart.py).
with snapstart.quiet_gc():
    from cme_ledger.api.resolver import create_app, resolve
    from cme_ledger.api.routes.certificates import router
    from cme_ledger.observability import API_REQUEST_ID, logger, metrics, tracer

    app = create_app(router)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# With SnapStart: what is built before the snapshot, and refreshed after each restore.
snapstart.register(
    app,
    clients=("dynamodb", "s3", "sqs"),
    preload=(
        "cme_ledger.certificates.render",
        "cme_ledger.certificates.transcript",
        "cme_ledger.snapstart:load_certificate_fonts",
    ),
)


@logger.inject_lambda_context(correlation_id_path=API_REQUEST_ID)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
