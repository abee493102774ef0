"""Regressions for what fuzzing the local stack found (tests/fuzz): each was a 5xx or an answer
outside API.md's error envelope before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import admin, call, make_course, make_premium, seed_credits


def _envelope(reply: Any, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply
    assert set(reply.body) == {"error"}, reply
    assert reply.body["error"]["code"] == code, reply
    return dict(reply.body["error"])


# Found: a body sent with Content-Type text/plain (or any type but JSON) was answered 415 by
# Powertools, outside the envelope ({"statusCode": 415, "detail": [...]}); a form type was parsed as
# a form. API.md's bodies are JSON whatever the header says.
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "nonsense"],
)
def test_a_json_body_is_read_as_json_whatever_its_content_type(aws: Any, content_type: str) -> None:
    body = '{"display_name": "Dr. Plain Text"}'
    reply = call("PUT", "/me", raw_body=body, headers={"content-type": content_type})
    assert reply.status == 200, reply
    assert reply.body["display_name"] == "Dr. Plain Text"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "image/png"])
def test_a_body_that_is_not_json_is_malformed_json_whatever_its_content_type(
    aws: Any, content_type: str
) -> None:
    reply = call("PUT", "/me", raw_body="display_name=Dr.+Form", headers={"content-type": content_type})
    _envelope(reply, 400, "malformed_json")


# Found: premium_until "0444-06-28T07:03:10-22:14" was stored as "444-06-29T05:17:10Z" (strftime does
# not pad years before 1000), which did not parse back: a 500, and every later GET /me of that
# learner a 500 too.
def test_a_time_before_the_year_1000_is_stored_padded_and_reads_back(aws: Any) -> None:
    reply = admin(
        "PUT", "/admin/members/ancient/membership", body={"premium_until": "0444-06-28T07:03:10-22:14"}
    )
    assert reply.status == 200, reply
    assert reply.body == {"premium": False, "premium_until": "0444-06-29T05:17:10Z"}
    me = call("GET", "/me", user="ancient")
    assert me.status == 200, me
    assert me.body["membership"]["premium_until"] == "0444-06-29T05:17:10Z"


def test_credit_earned_before_the_year_1000_sorts_first_and_is_expired(aws: Any) -> None:
    make_course("old")
    items = [
        {"user_id": "historian", "course_id": "old", "topic": "Galen", "amount": 1, "source_id": "galen"},
        {
            "user_id": "historian",
            "course_id": "old",
            "topic": "Hippocrates",
            "amount": 1,
            "source_id": "hippocrates",
            "earned_at": "0538-04-22T07:29:20-05:46",
        },
    ]
    reply = admin("POST", "/admin/credits", body={"items": items})
    assert reply.status == 201, reply
    ancient = reply.body["items"][1]["credit_id"]
    assert ancient.startswith("05380422T131520Z-"), ancient  # sorts like earned_at, before today's
    listed = call("GET", "/credits", user="historian")
    assert listed.status == 200, listed
    assert [c["topic"] for c in listed.body["items"]] == ["Galen"]  # expired since 0541


# Found: a time zone offset that moves a time past year 1 or 9999 raised OverflowError: a 500.
@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_out_of_range_in_utc_is_a_422(aws: Any, when: str) -> None:
    reply = admin("PUT", "/admin/members/someone/membership", body={"premium_until": when})
    error = _envelope(reply, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["premium_until"]


# Found: amounts past 28 significant digits (8.080841968785498e+29, 1.5e+214) made Decimal.quantize
# raise InvalidOperation in the 2-decimals check: a 500 on POST /claims, /claims/preview and
# /admin/credits.
@pytest.mark.parametrize("amount", ["8.080841968785498e+29", "1.5154696632715317e+214", "1E+999999"])
def test_a_huge_credit_amount_is_a_422(aws: Any, amount: str) -> None:
    make_course("huge")
    item = f'{{"user_id": "u", "course_id": "huge", "topic": "t", "source_id": "s", "amount": {amount}}}'
    reply = admin("POST", "/admin/credits", raw_body=f'{{"items": [{item}]}}')
    error = _envelope(reply, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["items[0].amount"]


@pytest.mark.parametrize("path", ["/claims", "/claims/preview"])
@pytest.mark.parametrize(
    "amount",
    [
        "8.080841968785498e+29",
        "1E+999999",
        "123456789012345678901234567890.25",
        "7" * 200_000 + ".75",  # more digits than int() reads; once judged in quadratic time
        "2" + "0" * 200_000 + ".0" + "0" * 200_000,
    ],
    ids=["8e29", "1e999999", "30-digits", "200k-digits", "400k-zeros"],
)
def test_a_huge_selected_amount_is_insufficient(aws: Any, path: str, amount: str) -> None:
    make_course("em")
    make_premium("greedy")
    [credit_id] = seed_credits("greedy", "em", 1)
    body = f'{{"selections": [{{"credit_id": "{credit_id}", "amount": {amount}}}]}}'
    reply = call("POST", path, user="greedy", raw_body=body)
    error = _envelope(reply, 409, "credits_unavailable")
    assert error["details"] == [{"credit_id": credit_id, "reason": "insufficient"}]


def test_a_selected_amount_with_more_than_two_decimals_is_a_422_at_any_size(aws: Any) -> None:
    make_premium("precise")
    body = '{"selections": [{"credit_id": "c1", "amount": 123456789012345678901234567890.125}]}'
    error = _envelope(call("POST", "/claims", user="precise", raw_body=body), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["selections[0].amount"]


# Found: a body nested deeper than the JSON parser's recursion ("[" * 100000) raised RecursionError,
# which Powertools does not catch: a 500.
@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_json_nested_too_deeply_is_malformed_json(aws: Any, raw: str) -> None:
    _envelope(call("PUT", "/me", raw_body=raw), 400, "malformed_json")
    make_premium("nester")
    _envelope(call("POST", "/claims", user="nester", raw_body=raw), 400, "malformed_json")


# Found: Powertools hands routes the path parameters still percent-encoded (it matches the raw path):
# a 30-letter claim id of accented letters was a 422 for being over 64 characters (encoded), and
# an admin setting the membership of "a b" set that of "a%20b".
def test_path_parameters_are_percent_decoded(aws: Any) -> None:
    reply = admin(
        "PUT", "/admin/members/dr%20space/membership", body={"premium_until": "2099-01-01T00:00:00Z"}
    )
    assert reply.status == 200, reply
    assert call("GET", "/me", user="dr space").body["membership"]["premium"] is True
    assert call("GET", "/me", user="dr%20space").body["membership"]["premium"] is False
    accented = "%C3%A9" * 30  # "é" * 30: 30 characters, 180 encoded
    _envelope(call("GET", f"/claims/{accented}"), 404, "not_found")
    _envelope(call("GET", f"/claims/{'%C3%A9' * 65}"), 422, "validation_error")


@pytest.mark.parametrize("value", ["0.5", "1.1819477921568434e-195", "0.0"])
def test_a_number_is_never_taken_for_an_object(aws: Any, value: str) -> None:
    # Powertools validates bodies with from_attributes: a decimal number became an empty BoardIds and
    # PUT /me answered 200. Every nested object of a body must be a JSON object.
    reply = call("PUT", "/me", user="numbers", raw_body=f'{{"display_name": "A", "board_ids": {value}}}')
    error = _envelope(reply, 422, "validation_error")
    assert error["details"] == [{"field": "board_ids", "reason": "must be a JSON object"}]
