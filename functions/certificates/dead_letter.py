"""Render dead letters: claims whose certificate kept failing to render are marked failed. Wiring only.

`cme rerender` (certificates.rerender) re-drives such a claim once the cause is fixed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.batch import process_sqs_batch
from cme_ledger.domain.certificates import render_target, status_list_target
from cme_ledger.observability import logger, metrics, tracer
from cme_ledger.services import certificates


@tracer.capture_method
def fail_record(record: SQSRecord) -> None:
    list_id = status_list_target(record.body)
    if list_id is not None:
        # The list stays in the work index: claim recovery asks the worker again.
        logger.error("status list not signed", extra={"list_id": list_id})
        return
    target = render_target(record.body)
    if target is None:
        logger.error("malformed dead letter dropped", extra={"message_id": record.message_id})
        return
    marked = certificates.mark_failed(*target)
    logger.warning(
        "certificate render failed", extra={"user_id": target[0], "claim_id": target[1], "marked": marked}
    )
    if marked:
        metrics.add_metric(name="CertificatesFailed", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_sqs_batch(event, context, fail_record)
