"""The scheduled jobs, each with its metrics and its log line: the schedules and the admin routes that
run a job now (POST /admin/sweeps/expiry, POST /admin/reports/abp) share these, so a run shows up the
same way in CloudWatch whoever started it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from cme_ledger.observability import logger, metrics


def _count(result: dict[str, Any], names: dict[str, str]) -> None:
    for key, metric in names.items():
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=result[key])


def expiry_sweep() -> dict[str, int]:
    from cme_ledger.services.expiry import expire_due_credits

    result = expire_due_credits()
    _count(result, {"expired": "CreditsExpired", "credits_read": "CreditsRead"})
    logger.info("expiry sweep", extra=result)
    return result


def claim_recovery() -> dict[str, int]:
    from cme_ledger.services.claims import recover

    result = recover()
    _count(
        result,
        {
            "finished": "ClaimsFinished",
            "undone": "ClaimsUndone",
            "requeued": "RendersRequeued",
            "status_lists": "StatusListsRequeued",
        },
    )
    logger.info("claim recovery", extra=result)
    return result


def abp_report() -> dict[str, Any]:
    from cme_ledger.services.board_reports import write_abp_report

    result = write_abp_report()
    _count(result, {"lines": "AbpLinesReported"})
    logger.info("ABP board report", extra=result)
    return result


def reminders() -> dict[str, Any]:
    from cme_ledger.services.reminders import send_reminders

    stats = send_reminders()
    result = stats.as_reply()
    _count(result, {"emails": "ReminderEmails", "credits_read": "ReminderCreditsRead"})
    logger.info(
        "reminders",
        extra={
            **result,
            "no_email": stats.no_email,
            "turned_off": stats.turned_off,
            "reminded": stats.reminded,
        },
    )
    return result
