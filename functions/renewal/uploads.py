"""Upload checker: S3 events of learners' uploads, through the upload queue. Wiring only.

Each record is one S3 event notification (or S3's test event when the notification is set up); each
object it names is judged on arrival: a file too large, of another type or not what it says is
deleted and never shown (services.external_credits.check_upload). A record that raises is retried
alone, then dead-lettered.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.batch import process_sqs_batch
from cme_ledger.domain.external_credits import uploaded_keys
from cme_ledger.observability import logger, metrics, tracer
from cme_ledger.services import external_credits


@tracer.capture_method
def check_record(record: SQSRecord) -> None:
    for key in uploaded_keys(record.body):
        outcome = external_credits.check_upload(key)
        logger.info("upload", extra={"key": key, "outcome": outcome})
        metrics.add_metric(name=f"Uploads{outcome.capitalize()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_sqs_batch(event, context, check_record)
