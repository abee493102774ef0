"""moto with infra/moto_expressions.py answers every request, and fails every bad one, exactly as
moto without it: the same requests (updates, conditions, transactions, queries; good ones and every
kind of bad one, each expression used more than once so that kept parses and validations are used)
against a fresh moto each time, with the patch (twice: the second time everything is kept from the
first) and without it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import moto_expressions, moto_patches

TABLE = "exprs"


@pytest.fixture
def expressions() -> Iterator[Any]:
    moto_patches.apply()  # moto as the tests and the local stack run it
    yield moto_expressions
    moto_expressions.apply()  # a test that removed it leaves it applied for the others


def _table(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gk", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_gk",
                "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _key(n: int, pk: str = "P") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": f"S{n:03d}"}}


CLAIM_UPDATE = (
    "SET claimed.#t = if_not_exists(claimed.#t, :zero) + :a, parts.#c = :part, version = version + :one"
    " REMOVE gk, extra"
)
CLAIM_CONDITION = (
    "attribute_not_exists(parts.#c) AND expires_at > :now AND attribute_not_exists(expired_at)"
    " AND (attribute_not_exists(claimed.#t) OR claimed.#t <= :max)"
)


def _credit_update(n: int, amount: str, most: str, claim: str = "c1", **extra: Any) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": _key(n),
            "UpdateExpression": CLAIM_UPDATE,
            "ConditionExpression": CLAIM_CONDITION,
            "ExpressionAttributeNames": {"#t": "AMA", "#c": claim},
            "ExpressionAttributeValues": {
                ":a": {"N": amount},
                ":max": {"N": most},
                ":part": {"M": {"a": {"N": amount}}},
                ":now": {"S": "2026-06-01"},
                ":one": {"N": "1"},
                ":zero": {"N": "0"},
            },
            **extra,
        }
    }


def _update(n: int, expression: str, values: dict[str, Any] | None = None, **more: Any) -> tuple[str, dict]:
    params: dict[str, Any] = {"TableName": TABLE, "Key": _key(n), "UpdateExpression": expression, **more}
    if values is not None:
        params["ExpressionAttributeValues"] = values
    return "update_item", params


N1 = {":one": {"N": "1"}}


def _requests() -> list[tuple[str, dict[str, Any]]]:
    """Good and bad requests; each expression more than once, with other keys or values."""
    requests: list[tuple[str, dict[str, Any]]] = []
    for n in range(12):
        item = {
            **_key(n),
            "expires_at": {"S": "2027-01-01"},
            "version": {"N": "1"},
            "claimed": {"M": {}},
            "parts": {"M": {}},
            "gk": {"S": f"G{n % 3}"},
            "extra": {"S": "x"},
            "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
            "tags": {"SS": ["a", "b"]},
            "m": {"M": {"k": {"S": "v"}}},
            "s": {"S": "text"},
        }
        requests.append(("put_item", {"TableName": TABLE, "Item": item}))
    for n in range(3):  # good updates, the same expressions on other items and values
        requests += [
            _update(
                n,
                "SET a = :a, b = if_not_exists(b, :z) + :one",
                {":a": {"N": str(n)}, ":z": {"N": "5"}, **N1},
            ),
            _update(n, "ADD cnt :one, tags :t", {":one": {"N": "1"}, ":t": {"SS": [f"t{n}"]}}),
            _update(n, "DELETE tags :t", {":t": {"SS": ["a"]}}, ReturnValues="ALL_NEW"),
            _update(
                n, "SET l = list_append(l, :l), l[0] = :v", {":l": {"L": [{"S": "z"}]}, ":v": {"N": "9"}}
            ),
            _update(n, "REMOVE l[0], l[2], m.k", ReturnValues="UPDATED_OLD"),
            _update(
                n, "SET #m.#k = :v", {":v": {"S": str(n)}}, ExpressionAttributeNames={"#m": "m", "#k": "new"}
            ),
            _update(n, "SET version = version - :one", N1, ReturnValues="UPDATED_NEW"),
            _update(
                n, "SET a = :a", {":a": {"N": "7"}}, ConditionExpression="a = :a", ReturnValues="ALL_OLD"
            ),
            _update(100 + n, "SET a = :a", {":a": {"N": str(n)}}, ReturnValues="ALL_NEW"),  # a new item
        ]
    for n in range(4, 6):  # every kind of bad update, twice each
        requests += [
            _update(n, "SET a = = :a", {":a": {"N": "1"}}),  # syntax
            _update(n, "SET a = :a,", {":a": {"N": "1"}}),
            _update(n, "SET a = (s + :a) - :a", {":a": {"N": "1"}}),  # moto: AssertionError
            _update(n, "SET a = :a, b = :missing", {":a": {"N": "1"}}),  # an unknown value placeholder
            _update(n, "SET #nope = :a", {":a": {"N": "1"}}),  # an unknown name placeholder (moto: KeyError)
            _update(n, "SET #x = :a, #nope.k = :a", {":a": {"N": "1"}}, ExpressionAttributeNames={"#x": "x"}),
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ExpressionAttributeNames={"#x": "x"}),  # unused name
            _update(n, "SET a = :a", {":a": {"N": "1"}, ":b": {"N": "2"}}),  # an unused value
            _update(n, "SET s = s + :one", N1),  # a type mismatch in the arithmetic
            _update(n, "SET gk = :one", N1),  # an index key of the wrong type
            _update(n, "SET gk = :e", {":e": {"S": ""}}),  # an empty index key
            _update(n, "SET pk = :p", {":p": {"S": "Q"}}),  # a key attribute
            _update(n, "SET #k = :p", {":p": {"S": "Q"}}, ExpressionAttributeNames={"#k": "sk"}),
            _update(n, "SET a = :a, a = :b", {":a": {"N": "1"}, ":b": {"N": "2"}}),  # the same path twice
            _update(n, "SET m.k = :a REMOVE m", {":a": {"N": "1"}}),  # overlapping paths
            _update(n, "SET a = :a SET b = :a", {":a": {"N": "1"}}),  # two SET clauses
            _update(n, "SET a = nothing_here", None),  # a path the item does not have
            _update(n, "SET nomap.k = :a", {":a": {"N": "1"}}),  # a document path that is not there
            _update(n, "SET a = list_append(s, :l)", {":l": {"L": []}}),  # a function on a wrong type
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="attribute_not_exists(s)"),
            _update(
                n,
                "SET a = :a",
                {":a": {"N": "1"}},
                ConditionExpression="attribute_not_exists(s)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="s >"),  # condition syntax
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="s = :nope"),
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="#s = :a"),
            _update(
                n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="size(s) > :a AND begins_with(s, :a)"
            ),
            _update(n, "SET a = :a", {":a": {"N": "1"}}, ConditionExpression="(s = :a"),
        ]
    for n in (6, 7):  # put and delete with conditions
        requests += [
            (
                "put_item",
                {"TableName": TABLE, "Item": _key(n), "ConditionExpression": "attribute_not_exists(pk)"},
            ),
            (
                "delete_item",
                {"TableName": TABLE, "Key": _key(n), "ConditionExpression": "attribute_exists(nope)"},
            ),
            ("delete_item", {"TableName": TABLE, "Key": _key(200 + n), "ReturnValues": "ALL_OLD"}),
        ]

    def transact(items: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        return "transact_write_items", {"TransactItems": items}

    requests += [
        transact([_credit_update(n, "1.00", "0.00") for n in range(8, 11)]),  # a claim
        transact([_credit_update(n, "0.50", "0.50", claim="c2") for n in range(8, 11)]),  # fails: 1.00 > 0.50
        transact([_credit_update(n, "0.25", "0.75", claim="c2") for n in range(8, 11)]),  # succeeds
        transact(  # the second fails its condition (c2 is there): cancelled, with its old item
            [
                _credit_update(11, "0.25", "0.75", claim="c2"),
                _credit_update(8, "0.25", "0.75", claim="c2", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                _credit_update(9, "0.25", "0.75", claim="c3"),
            ]
        ),
        transact(
            [_credit_update(11, "1", "9", claim="c4"), _credit_update(11, "1", "9", claim="c5")]
        ),  # twice
        transact(
            [
                _credit_update(11, "1", "9", claim="c6"),
                {"Update": {"TableName": TABLE, "Key": _key(10), "UpdateExpression": "SET a = :nope"}},
            ]
        ),
        transact(
            [
                _credit_update(11, "1", "9", claim="c7"),
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": _key(10),
                        "UpdateExpression": "SET s = s + :one",
                        "ExpressionAttributeValues": N1,
                    }
                },
            ]
        ),
        transact(
            [
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": _key(9),
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": {"N": "3"}},
                    }
                },
                _credit_update(11, "1", "9", claim="c8"),
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": _key(300),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": _key(301)}},
            ]
        ),
        transact(
            [
                _credit_update(
                    11, "1", "9", claim="c9", ExpressionAttributeNames={"#t": "AMA", "#c": "c9", "#u": "u"}
                )
            ]
        ),
        transact([{"Update": {"TableName": TABLE, "Key": _key(9), "UpdateExpression": "SET a = = :a"}}]),
    ]
    for low in ("0", "2"):  # filters: the same condition with other values
        values = {":p": {"S": "P"}, ":v": {"N": low}}
        query = {
            "KeyConditionExpression": "pk = :p",
            "FilterExpression": "version > :v",
            "ConsistentRead": True,
        }
        requests.append(("query", {"TableName": TABLE, **query, "ExpressionAttributeValues": values}))
        requests.append(
            (
                "scan",
                {
                    "TableName": TABLE,
                    "FilterExpression": "version > :v",
                    "ExpressionAttributeValues": {":v": values[":v"]},
                },
            )
        )
    requests.append(("scan", {"TableName": TABLE, "FilterExpression": "version >"}))
    return requests


def _outcomes() -> list[Any]:
    """Every request's answer or error, then the table as it ends."""
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _table(client)
        outcomes: list[Any] = []
        for operation, params in _requests():
            try:
                answer = getattr(client, operation)(**params)
            except ClientError as error:
                outcomes.append(
                    (
                        operation,
                        "error",
                        error.response["Error"],
                        error.response.get("CancellationReasons"),
                    )
                )
            except Exception as error:  # noqa: BLE001 - moto's own failures (a KeyError) compared too
                outcomes.append((operation, "raised", type(error).__name__, str(error)))
            else:
                answer.pop("ResponseMetadata", None)
                outcomes.append((operation, "ok", answer))
        items = client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        outcomes.append(sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"])))
    return outcomes


def test_moto_answers_and_fails_the_same_with_and_without_the_patch(expressions: Any) -> None:
    expressions.clear()
    first = _outcomes()  # the patch keeps what it parses and validates...
    kept = _outcomes()  # ...and uses it here
    expressions.remove()
    try:
        own = _outcomes()
    finally:
        expressions.apply()
    assert first == own
    assert kept == own

    errors = [outcome for outcome in own[:-1] if outcome[1] == "error"]
    codes = {error[2]["Code"] for error in errors}
    assert {"ValidationException", "ConditionalCheckFailedException", "TransactionCanceledException"} <= codes
    messages = " | ".join(error[2]["Message"] for error in errors)
    for expected in (
        "Invalid UpdateExpression: Syntax error",
        "An expression attribute value used in expression is not defined",
        "An expression attribute name used in the document path is not defined",
        "unused in expressions",
        "Incorrect operand type",
        "Cannot update attribute pk",
        "Two document paths overlap",
        "The document path provided in the update expression is invalid for update",
        "The provided expression refers to an attribute that does not exist in the item",
        "Bad Filter Expression",
    ):
        assert expected in messages, expected
    raised = {(outcome[2], outcome[3]) for outcome in own[:-1] if outcome[1] == "raised"}
    assert ("ValueError", "Bad comparison s >") in raised  # moto's update_item: a condition's syntax
    cancelled = [error for error in errors if error[2]["Code"] == "TransactionCanceledException"]
    reasons = [reason for error in cancelled for reason in error[3]]
    assert any(reason["Code"] == "ConditionalCheckFailed" and "Item" in reason for reason in reasons)
    assert any(reason["Code"] == "None" for reason in reasons)


def test_the_tree_copy_is_deepcopys(expressions: Any) -> None:
    """The validator's copy of a parsed update expression has deepcopy's shape, classes and values,
    shares nothing with the original, and its parents point into the copy."""
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    def shape(node: Any, parent: Any, seen: set[int]) -> Any:
        if not isinstance(node, Node):
            return ("leaf", type(node).__name__, node)
        assert node.parent is parent and id(node) not in seen
        seen.add(id(node))
        state = {k: v for k, v in vars(node).items() if k not in ("children", "parent")}
        children = [shape(c, node, seen) for c in node.children or []]
        return (type(node).__name__, state, children if node.children is not None else None)

    def nodes(node: Any) -> set[int]:
        if not isinstance(node, Node):
            return set()
        return {id(node)}.union(*(nodes(c) for c in node.children or []))

    for expression in (
        CLAIM_UPDATE,
        "SET a = :a, b = if_not_exists(b, :z) + :one",
        "SET l = list_append(l, :l), l[0] = :v, #m.#k[2].x = :w REMOVE l[1], q ADD c :one DELETE t :t",
        "SET a = b + :c - :d",
    ):
        tree = UpdateExpressionParser.make(expression)
        fast = moto_expressions._copy_tree(tree, Node)
        slow = copy.deepcopy(tree)
        assert shape(fast, None, set()) == shape(slow, None, set()) == shape(tree, None, set())
        assert not nodes(fast) & nodes(tree)


def test_removing_the_patch_gives_moto_back(expressions: Any) -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    def current() -> tuple[Any, ...]:
        return (
            UpdateExpressionParser.__dict__["make"],
            validators.deepcopy,
            DepthFirstTraverser.traverse,
            validators.Validator.__init__,
            validators.Validator.validate,
            ConditionExpressionParser.parse,
            ConditionExpressionParser._lex_condition_expression,
        )

    patched = current()
    expressions.apply()
    assert current() == patched  # idempotent
    expressions.remove()
    own = current()
    import copy

    assert validators.deepcopy is copy.deepcopy
    assert not hasattr(ConditionExpressionParser.parse, "__wrapped__")
    expressions.apply()
    assert all(a is not b for a, b in zip(current(), own, strict=True))
