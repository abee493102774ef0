"""Scheduled every few minutes: finishes or undoes claims left half way, re-queues missing renders."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.domain.claims import recover
from cme_ledger.observability import correlate_invocation, logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    correlate_invocation(context)
    result = recover()
    metrics.add_metric(name="ClaimsFinished", unit=MetricUnit.Count, value=result["finished"])
    metrics.add_metric(name="ClaimsUndone", unit=MetricUnit.Count, value=result["undone"])
    metrics.add_metric(name="RendersRequeued", unit=MetricUnit.Count, value=result["requeued"])
    logger.info("claim recovery", extra=result)
    return result
