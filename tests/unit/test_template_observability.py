"""What template.yaml gives an operator: JSON logs, traces, and an alarm for every way work is lost."""

from __future__ import annotations

from typing import Any

import pytest

from infra import template as tpl

FUNCTIONS = sorted(tpl.functions())


def alarms() -> list[dict[str, Any]]:
    return [r.get("Properties") or {} for r in tpl.of_type("AWS::CloudWatch::Alarm").values()]


def dimension_targets(alarm: dict[str, Any]) -> set[str]:
    """The logical ids an alarm's dimensions point at (through !Ref or !GetAtt)."""
    targets = set()
    for dimension in alarm.get("Dimensions") or []:
        value = dimension.get("Value")
        if tpl.is_tag(value):
            targets.add(tpl.tag_target(value)[1])
    return targets


def notifies(alarm: dict[str, Any]) -> bool:
    return any(
        tpl.is_tag(a) and tpl.tag_target(a)[1] == "AlarmTopic" for a in alarm.get("AlarmActions") or []
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_an_errors_alarm_that_notifies(function: str) -> None:
    matching = [
        a
        for a in alarms()
        if a.get("Namespace") == "AWS/Lambda"
        and a.get("MetricName") == "Errors"
        and function in dimension_targets(a)
    ]
    assert len(matching) == 1, f"{function} has {len(matching)} Errors alarm(s)"
    assert notifies(matching[0])
    assert matching[0]["Threshold"] == 0 and matching[0]["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_dead_letter_queue_and_the_api_have_an_alarm() -> None:
    queues = tpl.of_type("AWS::SQS::Queue")
    dead_letter_queues = set()
    for queue in queues.values():
        policy = (queue.get("Properties") or {}).get("RedrivePolicy")
        if policy:
            dead_letter_queues.add(tpl.tag_target(policy["deadLetterTargetArn"])[1])
    assert dead_letter_queues
    for queue_id in dead_letter_queues:
        assert any(
            a.get("Namespace") == "AWS/SQS" and queue_id in dimension_targets(a) and notifies(a)
            for a in alarms()
        ), f"no alarm on {queue_id}"
    assert any(
        a.get("Namespace") == "AWS/ApiGateway"
        and a.get("MetricName") == "5xx"
        and "HttpApi" in dimension_targets(a)
        for a in alarms()
    )


def test_functions_log_json_through_powertools_with_traces_on() -> None:
    globals_ = tpl.load()["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    variables = globals_["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "cme-ledger"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "CmeLedger"
    assert "POWERTOOLS_LOG_LEVEL" in variables
    # Each function writes to its own log group, created by the stack with a retention.
    assert FUNCTIONS, "no function found in template.yaml: nothing would be checked"
    for function in FUNCTIONS:
        logging_config = tpl.resources()[function]["Properties"].get("LoggingConfig") or {}
        group = logging_config.get("LogGroup")
        assert tpl.is_tag(group) and tpl.tag_target(group)[1] in tpl.of_type("AWS::Logs::LogGroup"), function
