"""The local stack's parts in this process: queue delivery and redrive on moto's server, presigned URLs,
schedule expressions, the token checks, and the gateway's answer to a failing handler."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from infra import invoke as lambda_invoke
from infra import template as tpl
from infra.localstack import auth, schedules
from infra.localstack import runtime as runtime_module
from infra.localstack.gateway import Gateway
from infra.localstack.queues import QueuePoller, failed_message_ids
from infra.localstack.runtime import Runtime
from infra.provision import Stack, provision

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stack(moto_server: str) -> Stack:
    return provision(prefix=f"t{uuid.uuid4().hex[:8]}", endpoint_url=moto_server, public_base_url="http://x")


# ---------------------------------------------------------------------- queues


def test_partial_batch_failures_are_retried_then_redriven_to_the_dead_letter_queue(
    moto_server: str, stack: Stack
) -> None:
    sqs = _client("sqs", moto_server)
    render, dead = stack.queues["RenderQueue"], stack.queues["RenderDeadLetterQueue"]
    # A failed message is visible again at once: the test waits on the queue, never on a clock.
    sqs.set_queue_attributes(QueueUrl=render["url"], Attributes={"VisibilityTimeout": "0"})
    for body in ("good-1", "bad", "good-2"):
        sqs.send_message(QueueUrl=render["url"], MessageBody=body)
    batches: list[list[str]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        records = event["Records"]
        assert all(r["eventSourceARN"] == render["arn"] for r in records)
        batches.append([r["body"] for r in records])
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["body"] == "bad"]
        }

    poller = QueuePoller(
        name="test",
        sqs=sqs,
        queue_url=render["url"],
        queue_arn=render["arn"],
        batch_size=5,
        invoke=handler,
        stop=threading.Event(),
        wait_seconds=0,
    )
    max_receives = json.loads(
        sqs.get_queue_attributes(QueueUrl=render["url"], AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )["maxReceiveCount"]
    deadline = time.monotonic() + 60  # bounds a failure only
    while True:
        poller.poll_once()
        waiting = sqs.get_queue_attributes(
            QueueUrl=render["url"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if (
            waiting["ApproximateNumberOfMessages"] == "0"
            and waiting["ApproximateNumberOfMessagesNotVisible"] == "0"
        ):
            break
        assert time.monotonic() < deadline, f"the queue never emptied: {waiting}, delivered {batches}"
    delivered = [body for batch in batches for body in batch]
    assert delivered.count("good-1") == 1 and delivered.count("good-2") == 1
    assert delivered.count("bad") == max_receives  # the template's maxReceiveCount (5)
    moved = sqs.receive_message(QueueUrl=dead["url"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    assert [m["Body"] for m in moved] == ["bad"]


def test_a_failing_handler_leaves_the_whole_batch(moto_server: str, stack: Stack) -> None:
    sqs = _client("sqs", moto_server)
    queue = stack.queues["RenderQueue"]
    sqs.set_queue_attributes(QueueUrl=queue["url"], Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=queue["url"], MessageBody="x")

    def boom(event: dict[str, Any]) -> None:
        raise RuntimeError("render failed")

    poller = QueuePoller(
        name="test",
        sqs=sqs,
        queue_url=queue["url"],
        queue_arn=queue["arn"],
        batch_size=5,
        invoke=boom,
        stop=threading.Event(),
    )
    assert poller.poll_once() == 1
    assert poller.failed == 1
    # Not deleted: the same message comes back (at once, with no visibility timeout), received twice.
    again = sqs.receive_message(
        QueueUrl=queue["url"], AttributeNames=["ApproximateReceiveCount"], WaitTimeSeconds=20
    )
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again["Messages"]] == ["2"]


def test_nothing_is_received_while_the_handler_cannot_be_loaded(moto_server: str, stack: Stack) -> None:
    sqs = _client("sqs", moto_server)
    queue = stack.queues["RenderQueue"]
    sqs.send_message(QueueUrl=queue["url"], MessageBody="wait for me")
    stop = threading.Event()
    attempts: list[int] = []

    def load() -> None:
        attempts.append(1)
        raise ModuleNotFoundError("functions/certificates/worker.py is not written yet")

    poller = QueuePoller(
        name="test",
        sqs=sqs,
        queue_url=queue["url"],
        queue_arn=queue["arn"],
        batch_size=5,
        invoke=lambda event: None,
        load=load,
        stop=stop,
        retry_seconds=0.2,
    )
    poller.start()
    deadline = time.monotonic() + 30  # bounds a failure only
    while len(attempts) < 3:  # it tried, failed, and tried again: it keeps waiting for the code
        assert time.monotonic() < deadline, f"the poller tried to load the handler {len(attempts)} time(s)"
        time.sleep(0.05)
    stop.set()
    poller.join(30)
    assert not poller.is_alive()
    waiting = sqs.receive_message(QueueUrl=queue["url"], AttributeNames=["ApproximateReceiveCount"])
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in waiting["Messages"]] == ["1"]


def test_failed_message_ids_follow_lambdas_rules() -> None:
    ids = ["a", "b", "c"]
    assert failed_message_ids(None, ids) == set()
    assert failed_message_ids({"batchItemFailures": []}, ids) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) == set(ids)
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) == set(ids)
    assert failed_message_ids({"batchItemFailures": "b"}, ids) == set(ids)


# ---------------------------------------------------------------------- presigned URLs


def test_presigned_get_urls_work_against_moto_on_localhost(moto_server: str, stack: Stack) -> None:
    s3 = _client("s3", moto_server)
    bucket = stack.buckets["CertificateBucket"]
    s3.put_object(
        Bucket=bucket, Key="certificates/u/c.pdf", Body=b"%PDF-1.7 test", ContentType="application/pdf"
    )
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "certificates/u/c.pdf"}, ExpiresIn=300
    )
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own moto URL
        assert response.status == 200
        assert response.read() == b"%PDF-1.7 test"


# ---------------------------------------------------------------------- schedules


def test_the_templates_schedule_expressions_parse() -> None:
    # Straight from template.yaml, so a reader that stopped finding schedules cannot pass for none.
    declared = {
        (name, str(event["Properties"]["ScheduleExpression"]))
        for name, function in tpl.of_type("AWS::Serverless::Function").items()
        for event in ((function.get("Properties") or {}).get("Events") or {}).values()
        if event.get("Type") in ("Schedule", "ScheduleV2")
    }
    found = {(f.name, e) for f in tpl.functions().values() for e in f.schedules}
    # DESIGN.md's schedules: the daily expiry sweep, recovery of interrupted claims, the board report.
    assert {name for name, _ in declared} >= {
        "ExpirySweepFunction",
        "ClaimRecoveryFunction",
        "BoardReportFunction",
    }
    assert found == declared
    for _, expression in found:
        schedules.parse(expression)


def test_rate_and_cron_next_runs() -> None:
    start = datetime(2026, 11, 27, 7, 3, 20, tzinfo=UTC)
    rate = schedules.parse("rate(5 minutes)")
    assert rate.next_after(start, start) == start + timedelta(minutes=5)
    assert rate.next_after(start + timedelta(minutes=5), start) == start + timedelta(minutes=10)
    assert schedules.parse("rate(1 hour)").period(start) == 3600
    assert schedules.parse("rate(2 days)").period(start) == 2 * 86400

    daily = schedules.parse("cron(15 0 * * ? *)")
    assert daily.next_after(start) == datetime(2026, 11, 28, 0, 15, tzinfo=UTC)
    assert daily.period(start) == 86400
    assert schedules.parse("cron(30 1 * * ? *)").next_after(start) == datetime(
        2026, 11, 28, 1, 30, tzinfo=UTC
    )
    # Weekdays at 9:00 and 17:00; 27 Nov 2026 is a Friday, so the next after Friday 17:00 is Monday.
    weekdays = schedules.parse("cron(0 9,17 ? * MON-FRI *)")
    assert weekdays.next_after(start) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert weekdays.next_after(datetime(2026, 11, 27, 17, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    sundays = schedules.parse("cron(0/30 * ? * 1 *)")
    assert sundays.next_after(start) == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert schedules.parse("cron(0 12 1 JAN ? 2027)").next_after(start) == datetime(
        2027, 1, 1, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "expression",
    ["rate(0 minutes)", "rate(5 weeks)", "cron(0 12 * * * *)", "cron(0 12 L * ? *)", "at(2026-01-01)"],
)
def test_unsupported_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        schedules.parse(expression)


def test_a_scaled_schedule_fires_often_and_survives_failures() -> None:
    stop = threading.Event()
    runs: list[str] = []
    # A clock that moves 10 s on every look: each run is due at once, so nothing waits on real time.
    looks = itertools.count()
    start = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)

    def clock() -> datetime:
        return start + timedelta(seconds=10 * next(looks))

    def fire(expression: str) -> None:
        runs.append(expression)
        if len(runs) == 3:
            stop.set()
        if len(runs) == 1:
            raise RuntimeError("the first run fails; the schedule keeps going")

    runner = schedules.ScheduleRunner(
        name="test", expression="rate(1 minute)", invoke=fire, stop=stop, scale=120, clock=clock
    )
    assert runner.interval(start) == 1.0  # rate(1 minute) / 120, clamped to the minimum interval
    runner.start()
    runner.join(30)  # bounds a failure only
    assert not runner.is_alive()
    assert runs == ["rate(1 minute)"] * 3
    assert runner.runs == 2  # the failed run is not counted, and did not stop the schedule


# ---------------------------------------------------------------------- tokens and the gateway


def test_verified_claims_are_passed_as_api_gateway_does() -> None:
    token = auth.mint_token("someone", admin=True, name="Some One", groups=["staff"])
    claims = auth.gateway_claims(auth.verify_token(token))
    assert claims["sub"] == "someone"
    assert claims["cognito:groups"] == "[staff admin]"
    assert claims["name"] == "Some One"
    assert claims["iss"] == auth.ISSUER and claims["aud"] == auth.AUDIENCE
    assert all(isinstance(v, str) for v in claims.values())


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"expires_in": -1}, "expired"),
        ({"issuer": "https://elsewhere"}, "issuer"),
        ({"audience": "elsewhere"}, "audience"),
    ],
)
def test_verify_token_refusals(kwargs: dict[str, Any], reason: str) -> None:
    with pytest.raises(auth.TokenError, match=reason):
        auth.verify_token(auth.mint_token("someone", **kwargs))


def test_a_failing_handler_is_a_500_envelope_and_the_gateway_survives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = tpl.Route("GET", "/boom/{thing}", "Boom", True)
    function = tpl.Function("Boom", "tests/e2e/nowhere", "app.handler", {}, 3, routes=(route,))
    seen: list[dict[str, Any]] = []

    def boom(event: dict[str, Any], context: Any) -> Any:
        seen.append(event)
        raise RuntimeError("a bug")

    monkeypatch.setitem(lambda_invoke._handlers, (function.code_uri, function.handler), boom)
    gateway = Gateway(Runtime(), {"Boom": function})
    response = gateway.handle("GET", "/boom/a%20b?x=1&x=2", {"X-Thing": "y"})
    assert response.status == 500
    assert response.json()["error"]["code"] == "internal_error"
    event = seen[0]
    assert event["pathParameters"] == {"thing": "a b"}
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["headers"]["x-thing"] == "y"
    assert event["routeKey"] == "GET /boom/{thing}"
    assert "authorizer" not in event["requestContext"]
    # A function whose code does not exist yet fails the same way, when it is called.
    later = tpl.Route("GET", "/later", "Missing", True)
    missing = tpl.Function("Missing", "functions/not-written-yet", "app.handler", {}, 3, routes=(later,))
    assert Gateway(Runtime(), {"Missing": missing}).handle("GET", "/later", {}).status == 500


def test_server_timing_tells_the_wait_for_a_turn_apart_from_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    route = tpl.Route("GET", "/slow", "Slow", True)
    function = tpl.Function("Slow", "tests/e2e/nowhere-slow", "app.handler", {}, 3, routes=(route,))
    # The runtime's clock is ours: each run takes exactly 200 ms of it, and the second request takes
    # its place in the queue while the first runs. No real time is measured.
    now = [100.0]
    second_queued, first_inside = threading.Event(), threading.Event()

    def monotonic() -> float:
        if threading.current_thread().name == "second":
            second_queued.set()
        return now[0]

    def slow(event: dict[str, Any], context: Any) -> Any:
        if threading.current_thread().name == "first":
            first_inside.set()
            assert second_queued.wait(30)
        now[0] += 0.2
        return {"statusCode": 200, "body": "{}"}

    monkeypatch.setattr(runtime_module, "time", SimpleNamespace(monotonic=monotonic))
    monkeypatch.setitem(lambda_invoke._handlers, (function.code_uri, function.handler), slow)
    gateway = Gateway(Runtime(), {"Slow": function})
    answers: dict[str, Any] = {}

    def request() -> None:
        answers[threading.current_thread().name] = gateway.handle("GET", "/slow", {})

    first = threading.Thread(target=request, name="first")
    first.start()
    assert first_inside.wait(30)
    second = threading.Thread(target=request, name="second")
    second.start()
    for thread in (first, second):
        thread.join(30)

    timings = {}
    for name, response in answers.items():
        assert response.status == 200
        parts = dict(p.strip().split(";dur=") for p in response.header("Server-Timing").split(","))
        timings[name] = (float(parts["queue"]), float(parts["lambda"]))
    # The API runs one call at a time: the second waited exactly as long as the first ran.
    assert timings == {"first": (0.0, 200.0), "second": (200.0, 200.0)}


# ---------------------------------------------------------------------- moto's Query, made faster


@pytest.fixture
def moto_speed() -> Iterator[Any]:
    """The local stack's moto patch in this process, for one test (the other tests keep moto's own)."""
    from infra.localstack import moto_speed

    moto_speed.apply()
    yield moto_speed
    moto_speed.remove()


def test_the_faster_query_answers_what_motos_own_does(aws: Stack, moto_speed: Any) -> None:
    """Pages, order, counts and cursors of Queries of the table and of its indexes, with the local
    stack's patch (infra/localstack/moto_speed.py) and with moto's own Query."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    table = aws.tables["LedgerTable"]
    for user in range(4):
        for n in range(30):
            item = {
                "pk": {"S": f"USER#{user}"},
                "sk": {"S": f"CREDIT#{n:03d}"},
                "amount": {"N": str(n % 7)},
                "expiry_pk": {"S": f"EXP#{n % 3}"},
                "expiry_sk": {"S": f"2026-{n % 12 + 1:02d}#{user}#{n:03d}"},
            }
            if n % 4 == 0:
                item["by_claimed"] = {"S": f"2026-01-{n % 28 + 1:02d}#{n:03d}"}
            dynamodb.put_item(TableName=table, Item=item)

    queries: list[dict[str, Any]] = [
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "USER#2"}}},
        {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": "USER#1"}, ":s": {"S": "CREDIT#01"}},
            "ScanIndexForward": False,
        },
        {
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
            "FilterExpression": "amount > :n",
            "ExpressionAttributeValues": {
                ":p": {"S": "USER#3"},
                ":a": {"S": "CREDIT#005"},
                ":b": {"S": "CREDIT#025"},
                ":n": {"N": "2"},
            },
            "Limit": 4,
        },
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "USER#9"}}},
        {
            "IndexName": "expiry",
            "KeyConditionExpression": "expiry_pk = :p AND expiry_sk < :s",
            "ExpressionAttributeValues": {":p": {"S": "EXP#1"}, ":s": {"S": "2026-07"}},
            "Limit": 5,
        },
        {
            "IndexName": "claims_by_claimed",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "USER#0"}},
            "ScanIndexForward": False,
            "Limit": 3,
        },
    ]

    def pages(query: dict[str, Any]) -> list[Any]:
        found = []
        start: Any = None
        while True:
            more = {"ExclusiveStartKey": start} if start else {}
            answer = dynamodb.query(TableName=table, **query, **more)
            found.append(
                (answer["Items"], answer["Count"], answer["ScannedCount"], answer.get("LastEvaluatedKey"))
            )
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found

    for query in queries:
        fast = pages(query)
        with moto_speed.unpatched():
            assert fast == pages(query), query
    assert sum(len(items) for items, *_ in pages(queries[0])) == 30
    assert len(pages(queries[4])) > 1  # the cursors were exercised


def test_the_fast_answers_are_motos_answers_through_a_claims_whole_flow(aws: Stack, moto_speed: Any) -> None:
    """Every DynamoDB answer of a claim's flow (catalogue, membership, credits, preview, claim, the
    render with its credentials, the reads) made both ways: the local stack's and moto's own."""
    from tests.support import call, deliver, make_course, make_premium, seed_credits

    with moto_speed.checking() as mismatches:
        make_course("em", types=["AMA_PRA_1", "ACEP"])
        make_premium("learner-1")
        credits = seed_credits("learner-1", "em", 5)
        body = {"credit_type": "AMA_PRA_1", "selections": [{"credit_id": c} for c in credits[:3]]}
        assert call("POST", "/claims/preview", body=body).status == 200
        claim = call("POST", "/claims", body=body, headers={"idempotency-key": "k-1"})
        assert claim.status == 201, claim
        deliver(aws, "RenderQueue")
        claim_id = claim.body["claim_id"]
        assert call("GET", f"/claims/{claim_id}").body["status"] == "ready"
        for path in ("/claims", "/credits", "/credits/summary", f"/claims/{claim_id}/credentials", "/me"):
            assert call("GET", path).status == 200, path
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table = aws.tables["LedgerTable"]
        dynamodb.scan(TableName=table, Limit=7)
        key = {"pk": {"S": "nobody"}, "sk": {"S": "nothing"}}
        dynamodb.batch_get_item(RequestItems={table: {"Keys": [key]}})
        dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}])
        dynamodb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert mismatches == []
    assert {"GetItem", "PutItem", "UpdateItem", "Query", "TransactWriteItems", "Scan"} <= set(
        moto_speed.compared
    )


def test_removing_the_patch_gives_moto_back(moto_speed: Any) -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.table import Table

    patched = (Table.query, Table.all_items, ActionResult.execute_result)
    moto_speed.remove()
    assert not hasattr(Table.query, "__wrapped__") and not hasattr(ActionResult.execute_result, "__wrapped__")
    moto_speed.apply()
    assert (Table.query, Table.all_items, ActionResult.execute_result) != patched  # applied afresh
