"""ABP MOC Part 2 reporting through the real handlers under moto: refusals, the batch file's exact
content, reruns and interrupted runs reporting every line exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cme_ledger import clock, runtime
from cme_ledger.config import get_settings
from cme_ledger.services.board_reports import write_abp_report
from cme_ledger.store import board_reports as store
from infra import template as tpl
from infra.invoke import invoke
from tests.support import admin, call, make_premium

LEARNER = "learner-abp"
HEADER = "\t".join(
    [
        "Record Action",
        "Activity ID",
        "Completion Date",
        "First Name",
        "Last Name",
        "Birth Month/Day",
        "Board",
        "Board ID",
        "Points",
    ]
)


def at(iso: str) -> None:
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    clock.set_clock(lambda: moment)


def s3_text(key: str) -> str:
    import boto3

    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=get_settings().bucket_name, Key=key)[
        "Body"
    ]
    return str(body.read().decode("utf-8"))


def report_keys() -> list[str]:
    import boto3

    listing = boto3.client("s3", region_name="us-east-1").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix="reports/abp/"
    )
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def pediatrics(aws: Any) -> list[str]:
    """Given a course offering ABP MOC Part 2 with a PARS activity id, and two credits."""
    runtime.reset()
    at("2026-03-02T15:00:00Z")
    reply = admin(
        "PUT",
        "/admin/courses/peds",
        body={
            "title": "Pediatric Emergencies",
            "provider": "CME Ledger Academy",
            "credit_types": ["AMA_PRA_1", "ABP_MOC_2"],
            "pars_activity_id": "201234567",
        },
    )
    assert reply.status == 200, reply
    make_premium(LEARNER)
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": LEARNER,
                    "course_id": "peds",
                    "topic": "Sepsis",
                    "amount": 1.5,
                    "source_id": "a",
                    "earned_at": "2026-02-10T09:30:00Z",
                },
                {
                    "user_id": LEARNER,
                    "course_id": "peds",
                    "topic": "Asthma",
                    "amount": 2,
                    "source_id": "b",
                    "earned_at": "2026-02-12T23:59:00Z",
                },
            ]
        },
    )
    assert reply.status == 201
    return [item["credit_id"] for item in reply.body["items"]]


def complete_profile(user: str = LEARNER, abp_id: str = "123456") -> None:
    reply = call(
        "PUT",
        "/me",
        user=user,
        body={
            "display_name": "Ana Ruiz, MD",
            "first_name": "Ana",
            "last_name": "Ruiz",
            "board_ids": {"ABP": abp_id},
            "birth_month_day": "07-04",
        },
    )
    assert reply.status == 200, reply


def claim_abp(body: dict[str, Any] | None = None, user: str = LEARNER) -> Any:
    return call("POST", "/claims", user=user, body={"credit_type": "ABP_MOC_2", "all": True, **(body or {})})


def run_report() -> dict[str, Any]:
    reply = admin("POST", "/admin/reports/abp")
    assert reply.status == 200, reply
    return dict(reply.body)


def test_refused_without_board_id_birth_day_and_names(pediatrics: list[str]) -> None:
    refused = claim_abp()
    assert refused.status == 422 and refused.error_code == "board_id_required"
    assert {d["field"] for d in refused.body["error"]["details"]} == {
        "board_ids.ABP",
        "birth_month_day",
        "first_name",
        "last_name",
    }
    call(
        "PUT",
        "/me",
        user=LEARNER,
        body={"display_name": "Ana", "first_name": "Ana", "board_ids": {"ABP": "123456"}},
    )
    refused = claim_abp()
    assert refused.status == 422
    assert [d["field"] for d in refused.body["error"]["details"]] == ["birth_month_day", "last_name"]
    assert run_report() == {"lines": 0, "report_key": None}


def test_file_has_the_pars_columns_and_claims_become_reported(pediatrics: list[str]) -> None:
    complete_profile()
    made = claim_abp()
    assert made.status == 201 and made.body["board_report"] == {"board": "ABP", "status": "queued"}
    claim_id = made.body["claim_id"]
    # Changing the profile after claiming changes nothing reported: the claim carries its copy.
    call("PUT", "/me", user=LEARNER, body={"display_name": "X", "last_name": "Changed"})
    assert call("GET", f"/claims/{claim_id}", user=LEARNER).body["board_report"]["status"] == "queued"

    at("2026-03-03T01:30:00Z")
    result = invoke(tpl.functions()["BoardReportFunction"], {"source": "aws.scheduler"})
    assert result == {"lines": 2, "report_key": "reports/abp/2026-03-03-1.txt"}
    assert s3_text(result["report_key"]) == (
        f"{HEADER}\r\n"
        "A\t201234567\t2026-02-10\tAna\tRuiz\t07/04\tABP\t123456\t1.5\r\n"
        "A\t201234567\t2026-02-12\tAna\tRuiz\t07/04\tABP\t123456\t2\r\n"
    )
    assert call("GET", f"/claims/{claim_id}", user=LEARNER).body["board_report"] == {
        "board": "ABP",
        "status": "reported",
    }
    assert run_report() == {"lines": 0, "report_key": None}
    assert report_keys() == ["reports/abp/2026-03-03-1.txt"]

    # Another claim the same day goes into the day's next file.
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": LEARNER,
                    "course_id": "peds",
                    "topic": "Croup",
                    "amount": 0.75,
                    "source_id": "c",
                    "earned_at": "2026-03-01T10:00:00Z",
                }
            ]
        },
    )
    assert reply.status == 201
    assert claim_abp().status == 201
    assert run_report() == {"lines": 1, "report_key": "reports/abp/2026-03-03-2.txt"}


def test_other_credit_types_are_never_reported(pediatrics: list[str]) -> None:
    complete_profile()
    made = call("POST", "/claims", user=LEARNER, body={"credit_type": "AMA_PRA_1", "all": True})
    assert made.status == 201 and made.body["board_report"] is None
    assert run_report() == {"lines": 0, "report_key": None}


@pytest.mark.parametrize("dies_at", ["before_file", "after_file", "between_marks"])
def test_interrupted_run_then_rerun_reports_every_line_once(
    pediatrics: list[str], monkeypatch: pytest.MonkeyPatch, dies_at: str
) -> None:
    """Five claims, marked two per transaction (three transactions); the run dies at one step and the
    rerun finishes the same report: every line in one file, once."""
    learners = [f"peds-{i}" for i in range(5)]
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": u,
                    "course_id": "peds",
                    "topic": "Sepsis",
                    "amount": 1,
                    "source_id": u,
                    "earned_at": "2026-02-20T10:00:00Z",
                }
                for u in learners
            ]
        },
    )
    assert reply.status == 201
    claim_ids = []
    for i, user in enumerate(learners):
        make_premium(user)
        complete_profile(user, abp_id=f"90000{i}")
        made = claim_abp(user=user)
        assert made.status == 201, made
        claim_ids.append((user, made.body["claim_id"]))

    class Died(Exception):
        pass

    real_put, real_client = store.put_file, store.client
    transactions: list[int] = []

    def put_then_die(key: str, body: bytes) -> bool:
        if dies_at == "before_file":
            raise Died()
        real_put(key, body)
        if dies_at == "after_file":
            raise Died()
        return True

    class DiesAfterOneTransaction:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_client(), name)

        def transact_write_items(self, **kwargs: Any) -> Any:
            if transactions:
                raise Died()
            transactions.append(1)
            return real_client().transact_write_items(**kwargs)

    monkeypatch.setattr(store, "MARK_CHUNK", 2)
    monkeypatch.setattr(store, "put_file", put_then_die)
    if dies_at == "between_marks":
        monkeypatch.setattr(store, "client", DiesAfterOneTransaction)
    at("2026-03-03T01:30:00Z")
    with pytest.raises(Died):
        write_abp_report()
    monkeypatch.setattr(store, "put_file", real_put)
    monkeypatch.setattr(store, "client", real_client)
    if dies_at == "between_marks":
        assert len(transactions) == 1
        reported = [call("GET", f"/claims/{c}", user=u).body["board_report"]["status"] for u, c in claim_ids]
        assert sorted(reported) == ["queued"] * 3 + ["reported"] * 2
    # Nothing new was queued meanwhile, so the rerun answers for the same file.
    assert run_report() == {"lines": 5, "report_key": "reports/abp/2026-03-03-1.txt"}
    assert run_report() == {"lines": 0, "report_key": None}
    assert report_keys() == ["reports/abp/2026-03-03-1.txt"]
    rows = s3_text("reports/abp/2026-03-03-1.txt").splitlines()
    assert rows[0] == HEADER
    assert sorted(row.split("\t")[7] for row in rows[1:]) == [f"90000{i}" for i in range(5)]
    for user, claim_id in claim_ids:
        view = call("GET", f"/claims/{claim_id}", user=user).body
        assert view["board_report"] == {"board": "ABP", "status": "reported"}, user


def test_report_route_needs_admin(aws: Any) -> None:
    assert call("POST", "/admin/reports/abp", user=LEARNER).status == 403
