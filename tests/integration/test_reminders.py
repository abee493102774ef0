"""Reminders before unclaimed credit expires: under moto (its SES keeps what was sent), runs forced
to happen twice, to crash half way, and to be missed for days; never timed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cme_ledger import clock, runtime
from cme_ledger.config import get_settings
from cme_ledger.services.audit import audit
from cme_ledger.services.reminders import send_reminders
from tests.support import admin, call, make_course

T0 = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
NO_RENDERING = 10**7


class Crash(Exception):
    pass


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def sent() -> list[Any]:
    """What moto's SES was given, in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][get_settings().region].sent_messages)


def learner(user: str, email: str | None, zone: str = "UTC", reminders: bool = True) -> None:
    """A learner who has signed in (so the token's email is known) with a profile."""
    reply = call(
        "PUT",
        "/me",
        user=user,
        body={"display_name": f"Dr. {user}", "time_zone": zone, "reminders": reminders},
    )
    assert reply.status == 200, reply
    if email is not None:
        from cme_ledger.services.profiles import get_me

        get_me(user, "", email)


def credit_expiring(user: str, in_days: float, source: str) -> str:
    """A credit of the 3-year course whose window closes `in_days` after T0."""
    earned = T0 + timedelta(days=in_days) - timedelta(days=3 * 365 + 1)  # 3 calendar years, one leap day
    earned = earned.replace(year=earned.year)  # (the course's window is calendar years)
    reply = admin(
        "POST",
        "/admin/credits",
        body={
            "items": [
                {
                    "user_id": user,
                    "course_id": "em",
                    "topic": f"Topic {source}",
                    "amount": 1.5,
                    "source_id": source,
                    "earned_at": clock.iso(earned),
                }
            ]
        },
    )
    assert reply.status == 201, reply
    return str(reply.body["items"][0]["credit_id"])


@pytest.fixture
def world(aws: Any) -> Iterator[None]:
    at(T0 - timedelta(days=1))
    make_course()
    learner("ada", "ada@example.org", zone="America/Los_Angeles")
    learner("bo", "bo@example.org")
    learner("quiet", "quiet@example.org", reminders=False)
    learner("nomail", None)
    yield
    runtime.set_fault(None)


def run(moment: datetime) -> dict[str, int]:
    at(moment)
    return send_reminders().as_reply()


def test_each_credit_is_reminded_once_per_threshold_by_the_first_run_within_it(world: None) -> None:
    near = credit_expiring("ada", 5, "near")  # within 90, 30 and 7 days at once
    far = credit_expiring("ada", 60, "far")  # within 90 only, then 30 after 30 days
    credit_expiring("bo", 200, "later")  # not yet
    credit_expiring("quiet", 10, "q")  # reminders off
    credit_expiring("nomail", 10, "n")  # no email known
    first = run(T0)
    assert first["emails"] == 1
    [message] = sent()
    assert message.destinations["ToAddresses"] == ["ada@example.org"]
    assert "Emergency Medicine: 3 credits" in message.body and "#/credits" in message.body
    # The first expiry is printed as a day in the learner's zone (America/Los_Angeles).
    expires = clock.parse_iso(next(c for c in _credits("ada") if c.credit_id == near).expires_at)
    local_day = expires.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles")).date().isoformat()
    assert local_day in message.body
    # The same day again, and the next: nothing new falls within a threshold.
    assert run(T0 + timedelta(minutes=5))["emails"] == 0
    assert run(T0 + timedelta(days=1))["emails"] == 0
    # 31 days later `far` is within 30 days: reminded again, once.
    assert run(T0 + timedelta(days=31))["emails"] == 1
    assert len(sent()) == 2 and "Emergency Medicine: 1.5 credits" in sent()[1].body
    assert far in [c.credit_id for c in _credits("ada")]
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_a_missed_week_loses_nothing(world: None) -> None:
    credit_expiring("bo", 95, "a")
    credit_expiring("bo", 93, "b")
    assert run(T0)["emails"] == 0  # neither within 90 days yet
    # No run for a week: both came within 90 days meanwhile, and are reminded by the next run.
    assert run(T0 + timedelta(days=7))["emails"] == 1
    assert "3 credits" in sent()[0].body


def test_a_claimed_credit_is_not_reminded(world: None) -> None:
    from tests.support import make_premium

    make_premium("bo")
    cid = credit_expiring("bo", 20, "c")
    at(T0)
    reply = call("POST", "/claims", user="bo", body={"selections": [{"credit_id": cid}]})
    assert reply.status == 201, reply
    # AMA is claimed in full; ACEP still has 1.5: the course offers both, so it is still owed.
    assert run(T0)["emails"] == 1
    reply = call(
        "POST", "/claims", user="bo", body={"credit_type": "ACEP", "selections": [{"credit_id": cid}]}
    )
    assert reply.status == 201, reply
    assert run(T0 + timedelta(days=15))["emails"] == 0  # left the expiry index: nothing to read


@pytest.mark.parametrize("step", ["reminder:learner", "reminder:sent"])
def test_a_run_that_dies_half_way_is_finished_by_the_next_and_nobody_is_told_twice(
    world: None, step: str
) -> None:
    credit_expiring("ada", 10, "a1")
    credit_expiring("bo", 10, "b1")
    seen: list[str] = []

    def dies_on_the_second_learner(name: str) -> None:
        if name == step:
            seen.append(name)
            if len(seen) == 2:
                raise Crash(step)

    runtime.set_fault(dies_on_the_second_learner)
    with pytest.raises(Crash):
        run(T0)
    runtime.set_fault(None)
    # The next run finishes the dead run's windows first, then its own (nothing new).
    again = run(T0 + timedelta(hours=1))
    assert sorted(m.destinations["ToAddresses"][0] for m in sent()) == ["ada@example.org", "bo@example.org"]
    assert again["emails"] == (1 if step == "reminder:learner" else 0)
    assert run(T0 + timedelta(hours=2))["emails"] == 0
    assert audit(render_grace_minutes=NO_RENDERING) == []


def test_a_message_whose_send_was_interrupted_is_never_sent_twice_and_the_audit_says_so(world: None) -> None:
    credit_expiring("ada", 10, "a1")

    def dies_while_sending(name: str) -> None:
        if name == "reminder:recorded":
            raise Crash(name)

    runtime.set_fault(dies_while_sending)
    with pytest.raises(Crash):
        run(T0)
    runtime.set_fault(None)
    assert run(T0 + timedelta(hours=1))["emails"] == 0
    assert sent() == []
    at(T0 + timedelta(hours=2))
    problems = audit(render_grace_minutes=5)
    assert any("reminder to ada" in p for p in problems), problems


def test_the_admin_route_runs_it_and_reads_only_what_falls_due(world: None) -> None:
    for i in range(30):
        credit_expiring("bo", 400 + i, f"far-{i}")  # in the index, far from any threshold
    credit_expiring("ada", 10, "near")
    at(T0)
    reply = admin("POST", "/admin/reminders/run")
    # One credit within 90 and within 30 days (not 7): read once per threshold, nothing else read.
    assert reply.status == 200 and reply.body == {"emails": 1, "credits_read": 2}
    assert call("POST", "/admin/reminders/run", user="ada").status == 403


def test_reminders_can_be_turned_off_and_on(world: None) -> None:
    assert call("GET", "/me", user="ada").body["reminders"] is True
    off = call("PUT", "/me", user="ada", body={"display_name": "Dr. ada", "reminders": False})
    assert off.body["reminders"] is False
    credit_expiring("ada", 10, "x")
    assert run(T0)["emails"] == 0
    back = call("PUT", "/me", user="ada", body={"display_name": "Dr. ada", "reminders": None})
    assert back.body["reminders"] is True


def _credits(user: str) -> list[Any]:
    from cme_ledger.store.learner import read_learner

    return read_learner(user).credits


def test_a_credit_recorded_after_a_run_passed_its_expiry_is_reminded_by_the_next_run(world: None) -> None:
    """An import of old credit: its expiry instant is inside windows a run has already read."""
    assert run(T0)["emails"] == 0
    at(T0 + timedelta(hours=1))
    credit_expiring("bo", 5, "late")  # recorded now, expires within 7 days of the last run
    again = run(T0 + timedelta(hours=2))
    assert again["emails"] == 1 and "Emergency Medicine: 1.5 credits" in sent()[0].body
    assert run(T0 + timedelta(hours=3))["emails"] == 0
    assert run(T0 + timedelta(days=3))["emails"] == 0  # every window it falls in has been passed
    assert len(sent()) == 1
