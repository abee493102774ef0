"""Certificate worker: renders committed claims from the render queue. Wiring only.

Each record is one claim ({"user_id", "claim_id"}: its PDF, then its credentials) or one status
list to sign ({"status_list"}: the worker is the only signer) or a transcript too long to render in
the request ({"transcript"}); a record that raises is reported
alone in batchItemFailures, so SQS retries just that one (and, after maxReceiveCount, dead-letters it).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.batch import process_sqs_batch
from cme_ledger.domain.certificates import render_target, status_list_target, transcript_target
from cme_ledger.observability import logger, metrics, tracer
from cme_ledger.services import certificates, status_lists, transcript


@tracer.capture_method
def render_record(record: SQSRecord) -> None:
    list_id = status_list_target(record.body)
    if list_id is not None:
        if status_lists.sign_status_list(list_id):
            metrics.add_metric(name="StatusListsSigned", unit=MetricUnit.Count, value=1)
        return
    job = transcript_target(record.body)
    if job is not None:
        transcript.render_queued(job)
        logger.info("transcript", extra={"user_id": job.user_id, "key": job.key})
        return
    target = render_target(record.body)
    if target is None:
        logger.error("malformed render message dropped", extra={"message_id": record.message_id})
        return
    outcome = certificates.render_claim(*target)
    logger.info("certificate", extra={"user_id": target[0], "claim_id": target[1], "outcome": outcome})
    if outcome == "rendered":
        metrics.add_metric(name="CertificatesRendered", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_sqs_batch(event, context, render_record)
