"""SQS batches as both queue consumers take them: each record alone, failures reported per record.

A record that raises is named in batchItemFailures, so SQS retries just that one (and, after the
queue's maxReceiveCount, dead-letters it); the others are deleted. Each record's logs carry the
correlation id of the request that queued it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from cme_ledger.observability import correlate_invocation, correlate_message


def process_sqs_batch(
    event: dict[str, Any], context: Any, handle: Callable[[SQSRecord], None]
) -> dict[str, Any]:
    correlate_invocation(context)

    def each(record: SQSRecord) -> None:
        correlate_message(record)
        handle(record)

    # A processor per batch: it keeps the batch's results, and the local stack may run both
    # consumers at once in one process. Failures are reported even when every record fails.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=each, processor=processor, context=context)
    )
