"""Scheduled daily: marks credits past their claim window as expired (the same code as the admin route)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.domain.expiry import expire_due_credits
from cme_ledger.observability import correlate_invocation, logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    correlate_invocation(context)
    result = expire_due_credits()
    metrics.add_metric(name="CreditsExpired", unit=MetricUnit.Count, value=result["expired"])
    metrics.add_metric(name="CreditsRead", unit=MetricUnit.Count, value=result["credits_read"])
    logger.info("expiry sweep", extra=result)
    return result
