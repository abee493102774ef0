"""Render dead letters: claims whose certificate kept failing to render are marked failed. Wiring only.

`cme rerender` (certificates.rerender) re-drives such a claim once the cause is fixed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.domain import certificates
from cme_ledger.observability import correlate_invocation, correlate_message, logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def fail_record(record: SQSRecord) -> None:
    correlate_message(record)
    target = certificates.render_target(record.body)
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
    correlate_invocation(context)
    return dict(
        process_partial_response(
            event=event, record_handler=fail_record, processor=processor, context=context
        )
    )
