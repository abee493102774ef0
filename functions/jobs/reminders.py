"""Scheduled daily: emails learners whose unclaimed credit expires within 90, 30 or 7 days.

The admin route POST /admin/reminders/run runs the same code.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger import jobs
from cme_ledger.observability import correlate_invocation, logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    correlate_invocation(context)
    return jobs.reminders()
