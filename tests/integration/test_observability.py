"""Logs and metrics as an operator reads them: JSON lines joined by a correlation id, and EMF metrics.

A claim's request id is the correlation id of the API's log lines, travels with the render message,
and is the correlation id of the worker's lines about that claim; scheduled jobs log with their own
invocation's request id and publish the metrics the issues name.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from cme_ledger import runtime
from cme_ledger.observability import logger
from infra import template as tpl
from infra.events import http_event, schedule_event, sqs_event
from infra.invoke import LambdaContext, handler_of
from tests.support import claims_for, make_course, make_premium, seed_credits

LEARNER = "learner-obs"


class Output:
    """What the functions write: log lines (the logger's handler) and EMF metrics (printed to stdout)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.stream = io.StringIO()

    def take(self) -> str:
        text = self.stream.getvalue() + self.capsys.readouterr().out
        self.stream.seek(0)
        self.stream.truncate()
        return text


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Output]:
    """At the template's level (INFO) instead of the test session's WARNING; fresh clients per backend."""
    captured = Output(capsys)
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    level, stream = logger.log_level, handler.setStream(captured.stream)
    logger.setLevel("INFO")
    runtime.reset()
    yield captured
    logger.setLevel(level)
    handler.setStream(stream)
    runtime.reset()


def lines(out: str) -> list[dict[str, Any]]:
    """The JSON objects among the captured output's lines (every line a function writes is one)."""
    parsed = []
    for line in out.splitlines():
        if line.strip():
            parsed.append(json.loads(line))  # a line that is not JSON fails the test here
    return parsed


def logs(out: str) -> list[dict[str, Any]]:
    return [entry for entry in lines(out) if "_aws" not in entry]


def metrics_of(out: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in lines(out):
        if "_aws" in entry:
            for definition in entry["_aws"]["CloudWatchMetrics"]:
                for metric in definition["Metrics"]:
                    found[metric["Name"]] = entry[metric["Name"]]
    return found


def run(function: str, event: dict[str, Any]) -> tuple[Any, LambdaContext]:
    context = LambdaContext(function, 30)
    return handler_of(tpl.functions()[function])(event, context), context


def test_a_claims_request_id_follows_it_from_the_api_to_the_certificate_worker(
    aws: Any, output: Output
) -> None:
    make_course("obs", "Observability", ["AMA_PRA_1"])
    make_premium(LEARNER)
    seed_credits(LEARNER, "obs", 3)
    output.take()

    event = http_event(
        "POST",
        "/claims",
        "POST /claims",
        headers={"content-type": "application/json", "idempotency-key": "obs-1"},
        body=json.dumps({"all": True}),
        claims=claims_for(LEARNER),
    )
    request_id = event["requestContext"]["requestId"]
    result, _ = run("ClaimsFunction", event)
    assert result["statusCode"] == 201
    claim_id = json.loads(result["body"])["claim_id"]
    api_logs = logs(output.take())
    assert api_logs, "the claims function logged nothing at INFO"
    assert {entry["correlation_id"] for entry in api_logs} == {request_id}

    url = aws.queues["RenderQueue"]["url"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=10)
    messages: list[dict[str, Any]] = [dict(m) for m in received["Messages"]]
    assert [m["MessageAttributes"]["correlation_id"]["StringValue"] for m in messages] == [request_id]

    result, context = run("CertificateWorkerFunction", sqs_event(aws.queues["RenderQueue"]["arn"], messages))
    assert result == {"batchItemFailures": []}
    worker_logs = logs(output.take())
    about_claim = [entry for entry in worker_logs if entry.get("claim_id") == claim_id]
    assert about_claim and all(entry["correlation_id"] == request_id for entry in about_claim)
    for entry in worker_logs:
        assert entry["service"] == "cme-ledger"
        assert entry["function_request_id"] == context.aws_request_id
        assert {"level", "message", "timestamp", "cold_start"} <= set(entry)


def test_a_render_message_without_the_attribute_is_correlated_by_its_message_id(
    aws: Any, output: Output
) -> None:
    message = {
        "MessageId": "m-123",
        "ReceiptHandle": "r",
        "Body": json.dumps({"user_id": "nobody", "claim_id": "missing"}),
    }
    run("RenderDeadLetterFunction", sqs_event(aws.queues["RenderDeadLetterQueue"]["arn"], [message]))
    entries = logs(output.take())
    assert entries and {entry["correlation_id"] for entry in entries} == {"m-123"}


@pytest.mark.parametrize(
    ("function", "metrics"),
    [
        ("ExpirySweepFunction", {"CreditsExpired", "CreditsRead"}),
        ("ClaimRecoveryFunction", {"ClaimsFinished", "ClaimsUndone", "RendersRequeued"}),
        ("BoardReportFunction", {"AbpLinesReported"}),
    ],
)
def test_scheduled_jobs_log_json_with_their_request_id_and_publish_their_metrics(
    aws: Any, output: Output, function: str, metrics: set[str]
) -> None:
    output.take()
    result, context = run(function, schedule_event(function, "rate(1 day)"))
    out = output.take()
    entries = logs(out)
    assert entries, f"{function} logged nothing"
    assert {entry["correlation_id"] for entry in entries} == {context.aws_request_id}
    published = metrics_of(out)
    assert set(published) >= metrics
    # The log line and the metrics say the same counts as the result.
    summary = entries[-1]
    for key, value in result.items():
        if isinstance(value, int):
            assert summary[key] == value


@pytest.mark.parametrize(
    ("path", "metrics"),
    [
        ("/admin/sweeps/expiry", {"CreditsExpired", "CreditsRead"}),
        ("/admin/reports/abp", {"AbpLinesReported"}),
    ],
)
def test_a_job_run_from_its_admin_route_publishes_the_same_metrics(
    aws: Any, output: Output, path: str, metrics: set[str]
) -> None:
    output.take()
    event = http_event("POST", path, f"POST {path}", claims=claims_for("staff-obs", admin=True))
    result, _ = run("AdminFunction", event)
    assert result["statusCode"] == 200
    out = output.take()
    assert set(metrics_of(out)) >= metrics
    assert {entry["correlation_id"] for entry in logs(out)} == {event["requestContext"]["requestId"]}
