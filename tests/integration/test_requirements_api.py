"""Requirement sets and progress through the handlers (API.md, "Renewal"): the sets, the learner's
choices, and progress hand-checked for claimed and external credit across cycles and time zones.

The learner lives in Los Angeles and follows ACEP_MEMBER (3-year cycles from 2024-01-01) and NCCPA_PA
(2-year cycles from 2025-01-01). Their credit, and what each figure is by hand:

- a: 10 credits of course em, earned 2024-01-01T05:00Z, which is 2023-12-31 in Los Angeles, claimed
  as ACEP (claim 1): counts in ACEP's 2021-2023 cycle, not in 2024-2026;
- b: 4 credits of em, earned 2024-06-01, claimed as ACEP (claim 1) and as AMA PRA 1 (claim 2): one
  credit, so it counts once toward each rule (4, as ACEP, the set's first type);
- c: 2.25 credits of course sa (tagged self_assessment), earned 2025-03-10, claimed as AMA PRA 1
  (claim 2): 2.25 toward ACEP; x1.5 = 3.375 toward NCCPA's total and Category 1 (3.37 to the cent);
- d: 3 credits of em, earned 2025-05-01, unclaimed: counts nothing; the explanation suggests it;
- x1: 20 AMA PRA Category 2 credits earned elsewhere on 2025-02-01: toward both totals;
- x2: 5 ACEP credits earned elsewhere on 2026-06-14: toward ACEP's total and its Category I rule.

ACEP 2024-2026: total 4 + 2.25 + 20 + 5 = 31.25 of 150; Category I 4 + 5 = 9 of 60.
NCCPA 2025-2026: total 3.375 + 20 = 23.375 (23.37, 76.63 remaining); Category 1 3.375 (3.37, 46.63).
ACEP 2021-2023: a's 10. NCCPA 2023-2024: b's 4 (as AMA PRA 1, the only type NCCPA accepts of it).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from cme_ledger import clock
from cme_ledger.config import reset_settings
from tests.support import admin, call, make_premium

LEARNER = "learner-renewal"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
CHOICES = [
    {"code": "ACEP_MEMBER", "cycle_start": "2024-01-01"},
    {"code": "NCCPA_PA", "cycle_start": "2025-01-01"},
]


@pytest.fixture
def world(aws: Any) -> dict[str, Any]:
    clock.set_clock(lambda: NOW)
    course = {"provider": "CME Ledger Academy", "credit_types": ["AMA_PRA_1", "ACEP"]}
    assert admin("PUT", "/admin/courses/em", body={**course, "title": "Emergency Medicine"}).status == 200
    sa = {**course, "title": "Self-Assessment", "credit_types": ["AMA_PRA_1"], "topics": ["self_assessment"]}
    assert admin("PUT", "/admin/courses/sa", body=sa).status == 200
    make_premium(LEARNER)
    profile = {"display_name": "Dr. Renewal", "time_zone": "America/Los_Angeles"}
    assert call("PUT", "/me", user=LEARNER, body=profile).status == 200
    rows = {
        "a": ("em", 10, "2024-01-01T05:00:00Z"),
        "b": ("em", 4, "2024-06-01T12:00:00Z"),
        "c": ("sa", 2.25, "2025-03-10T12:00:00Z"),
        "d": ("em", 3, "2025-05-01T12:00:00Z"),
    }
    items = [
        {
            "user_id": LEARNER,
            "course_id": c,
            "topic": f"Topic {k}",
            "amount": amt,
            "earned_at": at,
            "source_id": k,
        }
        for k, (c, amt, at) in rows.items()
    ]
    recorded = admin("POST", "/admin/credits", body={"items": items}).body["items"]
    ids = {key: item["credit_id"] for key, item in zip(rows, recorded, strict=True)}
    claim1 = call(
        "POST",
        "/claims",
        user=LEARNER,
        body={"credit_type": "ACEP", "selections": [{"credit_id": ids["a"]}, {"credit_id": ids["b"]}]},
    )
    claim2 = call(
        "POST",
        "/claims",
        user=LEARNER,
        body={"selections": [{"credit_id": ids["b"]}, {"credit_id": ids["c"]}]},
    )
    assert claim1.status == claim2.status == 201, (claim1, claim2)
    for body in (
        {
            "title": "POCUS",
            "provider": "Elsewhere",
            "credit_type": "AMA_PRA_2",
            "amount": 20,
            "completed_on": "2025-02-01",
        },
        {
            "title": "ACEP Scientific Assembly",
            "provider": "ACEP",
            "credit_type": "ACEP",
            "amount": 5,
            "completed_on": "2026-06-14",
        },
    ):
        assert call("POST", "/me/external-credits", user=LEARNER, body=body).status == 201
    assert call("PUT", "/me/requirements", user=LEARNER, body={"items": CHOICES}).status == 200
    return {"credits": ids, "claim1": claim1.body}


def progress(query: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    reply = call("GET", "/me/requirements/progress", user=LEARNER, query=query)
    assert reply.status == 200, reply
    return {item["code"]: item for item in reply.body["items"]}


def figures(item: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {r["rule"]: (r["required"], r["counted"], r["remaining"], r["met"]) for r in item["rules"]}


def test_the_sets_have_exactly_api_md_s_fields_and_total_first(aws: Any) -> None:
    reply = call("GET", "/requirement-sets")
    assert reply.status == 200
    items = reply.body["items"]
    assert {i["code"] for i in items} >= {
        "AAFP_MEMBER",
        "ACEP_MEMBER",
        "NCCPA_PA",
        "ABP_MOC",
        "ABIM_MOC",
        "ABA_MOCA",
        "DEA_MATE",
        "CA_MD",
    }
    for item in items:
        assert set(item) == {"code", "name", "authority", "cycle_years", "rules", "sources", "verified"}
        assert all(set(r) == {"rule", "description"} for r in item["rules"])
        assert all(s.startswith("https://") for s in item["sources"])
    aafp = next(i for i in items if i["code"] == "AAFP_MEMBER")
    assert aafp["rules"][0]["rule"] == "total" and "150" in aafp["rules"][0]["description"]
    assert aafp["verified"] is False  # its live-activities rule is unverified
    tags = call("GET", "/topic-tags").body["items"]
    assert {"tag": "implicit_bias", "label": "Implicit bias"} in tags
    types = {t["code"]: t for t in call("GET", "/external-credit-types").body["items"]}
    assert {"AMA_PRA_1", "AMA_PRA_2", "AOA_1A", "ABP_MOC_4"} <= set(types)
    assert types["ABP_MOC_4"]["unit"] == "points"


def test_choices_round_trip_and_are_refused_at_their_field(aws: Any) -> None:
    assert call("GET", "/me/requirements", user=LEARNER).body == {"items": []}
    reply = call("PUT", "/me/requirements", user=LEARNER, body={"items": CHOICES})
    assert reply.status == 200 and reply.body == {"items": CHOICES}
    assert call("GET", "/me/requirements", user=LEARNER).body == {"items": CHOICES}
    refusals = [
        ({"items": [{"code": "NOPE", "cycle_start": "2024-01-01"}]}, "items[0].code"),
        ({"items": [*CHOICES, {"code": "ACEP_MEMBER", "cycle_start": "2021-01-01"}]}, "items[2].code"),
        ({"items": [{"code": "ABIM_MOC", "cycle_start": "2024-13-01"}]}, "items[0].cycle_start"),
        ({"items": [{"code": "ABIM_MOC", "cycle_start": "9999-01-01"}]}, "items[0].cycle_start"),
        ({"items": [{"code": "ABIM_MOC"}]}, "items[0].cycle_start"),
        ({"items": [{"code": "ABIM_MOC", "cycle_start": "2024-01-01", "x": 1}]}, "items[0].x"),
        ({"items": [{"code": "ABIM_MOC", "cycle_start": "2024-01-01"}] * 21}, "items"),
        ({}, "items"),
    ]
    for body, field in refusals:
        refused = call("PUT", "/me/requirements", user=LEARNER, body=body)
        assert refused.status == 422, (body, refused)
        assert field in [d["field"] for d in refused.body["error"]["details"]], refused.body
    assert call("GET", "/me/requirements", user=LEARNER).body == {"items": CHOICES}  # unchanged
    assert call("PUT", "/me/requirements", user=LEARNER, body={"items": []}).body == {"items": []}


def test_progress_counts_claimed_and_external_credit_by_hand(world: dict[str, Any]) -> None:
    now = progress()  # today in Los Angeles: 2026-06-15, in both sets' current cycles
    assert now == progress({"on": "2025-06-01"})  # the same cycles
    acep, nccpa = now["ACEP_MEMBER"], now["NCCPA_PA"]
    assert (acep["cycle_start"], acep["cycle_end"], acep["met"]) == ("2024-01-01", "2026-12-31", False)
    assert figures(acep) == {"total": (150, 31.25, 118.75, False), "acep_category_1": (60, 9, 51, False)}
    assert (nccpa["cycle_start"], nccpa["cycle_end"]) == ("2025-01-01", "2026-12-31")
    assert figures(nccpa) == {
        "total": (100, 23.37, 76.63, False),
        "category_1": (50, 3.37, 46.63, False),
        "self_assessment_weight": (None, 3.37, None, True),
        "performance_improvement_weight": (None, 0, None, True),
    }
    assert list(acep) == ["code", "name", "cycle_start", "cycle_end", "met", "rules"]
    assert all(
        list(r) == ["rule", "description", "required", "counted", "remaining", "met"] for r in acep["rules"]
    )

    before = progress({"on": "2023-06-01"})
    assert (before["ACEP_MEMBER"]["cycle_start"], before["ACEP_MEMBER"]["cycle_end"]) == (
        "2021-01-01",
        "2023-12-31",
    )
    assert figures(before["ACEP_MEMBER"])["total"] == (150, 10, 140, False)  # a, earned 2023-12-31 there
    assert figures(before["NCCPA_PA"])["total"] == (100, 4, 96, False)


def test_the_explanation_suggests_claiming_and_explains_each_line(world: dict[str, Any]) -> None:
    reply = call("GET", "/me/requirements/explanation", user=LEARNER)
    assert reply.status == 200, reply
    acep = {r["rule"]: r for r in reply.body["items"][0]["rules"]}
    assert reply.body["items"][0]["code"] == "ACEP_MEMBER" and "lines" not in acep["total"]
    # d (3, unclaimed, in the cycle) would count once claimed; a's AMA PRA 1 is in another cycle.
    assert acep["total"]["suggestions"] == [
        {"credit_type": "ACEP", "claimable": 3, "reduces_remaining_by": 3},
        {"credit_type": "AMA_PRA_1", "claimable": 3, "reduces_remaining_by": 3},
    ]
    assert acep["acep_category_1"]["suggestions"] == [
        {"credit_type": "ACEP", "claimable": 3, "reduces_remaining_by": 3}
    ]
    nccpa = call("GET", "/me/requirements/explanation", user=LEARNER, query={"code": "NCCPA_PA"}).body[
        "items"
    ]
    [total] = [r for r in nccpa[0]["rules"] if r["rule"] == "total"]
    assert total["counted"] == 23.375  # exact here
    lines = {ln["credit_type"]: ln for ln in total["lines"]}
    assert lines["AMA_PRA_2"]["self_reported"] is True and lines["AMA_PRA_2"]["source"] == "external"
    assert (lines["AMA_PRA_1"]["amount"], lines["AMA_PRA_1"]["weighted"]) == (2.25, 3.375)
    assert lines["AMA_PRA_1"]["weight_rule"] == "self_assessment_weight"
    unknown = call("GET", "/me/requirements/explanation", user=LEARNER, query={"code": "NOPE"})
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "code"


def test_unclaimed_credit_never_counts_and_claiming_it_does(world: dict[str, Any]) -> None:
    assert figures(progress()["ACEP_MEMBER"])["acep_category_1"][1] == 9
    d = world["credits"]["d"]
    assert (
        call(
            "POST", "/claims", user=LEARNER, body={"credit_type": "ACEP", "selections": [{"credit_id": d}]}
        ).status
        == 201
    )
    assert figures(progress()["ACEP_MEMBER"])["acep_category_1"][1] == 12


def test_a_revoked_certificate_counts_nothing(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff revoke claim 1's certificate (issue 16's route; it records the revocation on the claim).
    b then counts only as AMA PRA 1 (still 4 toward the total), nothing toward ACEP Category I; a's
    line counts nothing in 2021-2023."""
    monkeypatch.setenv("STATUS_LIST_WAIT_SECONDS", "0")  # no certificate worker signs lists here
    reset_settings()
    code = world["claim1"]["certificates"][0]["certificate_code"]
    revoked = admin("POST", f"/admin/certificates/{code}/revoke", body={"reason": "Attendance not confirmed"})
    assert revoked.status == 200, revoked
    acep = figures(progress()["ACEP_MEMBER"])
    assert acep == {"total": (150, 31.25, 118.75, False), "acep_category_1": (60, 5, 55, False)}
    assert figures(progress({"on": "2023-06-01"})["ACEP_MEMBER"])["total"][1] == 0
    explained = call("GET", "/me/requirements/explanation", user=LEARNER, query={"code": "ACEP_MEMBER"}).body
    [category_1] = [r for r in explained["items"][0]["rules"] if r["rule"] == "acep_category_1"]
    assert {
        ln["reason"] for ln in category_1["lines"] if ln["credit_type"] == "ACEP" and ln["source"] == "claim"
    } == {"revoked"}


def test_deleted_external_credit_stops_counting(world: dict[str, Any]) -> None:
    listed = call("GET", "/me/external-credits", user=LEARNER).body["items"]
    x2 = next(i for i in listed if i["credit_type"] == "ACEP")
    assert call("DELETE", f"/me/external-credits/{x2['external_credit_id']}", user=LEARNER).status == 204
    assert figures(progress()["ACEP_MEMBER"])["acep_category_1"][1] == 4


def test_progress_reads_the_learner_s_partition_in_one_query_per_page(world: dict[str, Any]) -> None:
    calls: Counter[str] = Counter()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation if params.get("KeyConditionExpression") != "pk = :pk" else "PartitionQuery"] += 1
        return original(self, operation, params)

    setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
    try:
        progress()
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
    assert calls == Counter({"PartitionQuery": 1}), calls  # a few KB: one page, and nothing else


def test_a_bad_on_is_a_422(aws: Any) -> None:
    for on in ("2026-02-30", "tomorrow", "10000-01-01", "2026-6-1"):
        reply = call("GET", "/me/requirements/progress", user=LEARNER, query={"on": on})
        assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "on", reply


def test_a_set_dropped_from_the_rule_data_is_left_out(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cme_ledger.domain.requirements import data

    catalogue = data.requirement_catalogue()
    kept = {code: s for code, s in catalogue.sets.items() if code != "NCCPA_PA"}
    monkeypatch.setattr(
        "cme_ledger.services.requirements.requirement_catalogue",
        lambda: type(catalogue)(catalogue.version, kept),
    )
    assert list(progress()) == ["ACEP_MEMBER"]


def test_a_partition_over_1_mb_is_read_in_one_query_per_page(aws: Any) -> None:
    """1,600 external credits with 300-character titles: about 1.3 MB, so two 1 MB pages."""
    import math

    from cme_ledger.domain.model import ExternalCredit
    from cme_ledger.store import external_credits, keys
    from cme_ledger.store import models as m
    from cme_ledger.store.db import client, table_name
    from tests.integration.test_claim_item_sizes import item_size

    assert call("PUT", "/me/requirements", user=LEARNER, body={"items": CHOICES}).status == 200
    with m.ExternalCreditItem.batch_write() as batch:
        for i in range(1600):
            credit = ExternalCredit(
                LEARNER,
                f"ext-{i:06d}",
                "T" * 300,
                "P" * 200,
                "AMA_PRA_2",
                Decimal(1),
                "2025-02-01",
                (),
                False,
                "t",
            )
            batch.save(external_credits._item(credit))
    size = sum(
        item_size(item)
        for page in client()
        .get_paginator("query")
        .paginate(
            TableName=table_name(),
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.user_pk(LEARNER)}},
        )
        for item in page["Items"]
    )
    pages = math.ceil(size / (1024 * 1024))
    assert pages == 2, size
    calls: Counter[str] = Counter()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls[operation] += 1
        return original(self, operation, params)

    setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
    try:
        acep = progress({"on": "2025-06-01"})["ACEP_MEMBER"]
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
    assert figures(acep)["total"] == (150, 1600, 0, True)
    assert calls == Counter({"Query": pages}), calls
