"""Scheduled daily: writes queued ABP MOC Part 2 lines as one PARS batch file.

The admin route POST /admin/reports/abp runs the same code.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cme_ledger.domain.board_reports import write_abp_report
from cme_ledger.observability import correlate_invocation, logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    correlate_invocation(context)
    result = write_abp_report()
    metrics.add_metric(name="AbpLinesReported", unit=MetricUnit.Count, value=result["lines"])
    logger.info("ABP board report", extra=result)
    return result
