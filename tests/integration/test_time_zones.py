"""The learner's time zone: kept on the profile, snapshotted by a claim, printed on its certificate."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from cme_ledger import clock
from cme_ledger.services import certificates
from cme_ledger.store import claims as claim_store
from cme_ledger.store import objects
from tests.support import call, make_course, make_premium, seed_credits

LEARNER = "learner-tz"


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def test_a_profile_has_utc_until_the_learner_sets_a_zone(aws: Any) -> None:
    assert call("GET", "/me", user=LEARNER).body["time_zone"] == "UTC"
    set_zone = call(
        "PUT", "/me", user=LEARNER, body={"display_name": "Dr. Z", "time_zone": "America/Los_Angeles"}
    )
    assert set_zone.status == 200 and set_zone.body["time_zone"] == "America/Los_Angeles"
    assert call("GET", "/me", user=LEARNER).body["time_zone"] == "America/Los_Angeles"
    cleared = call("PUT", "/me", user=LEARNER, body={"display_name": "Dr. Z", "time_zone": None})
    assert cleared.body["time_zone"] == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "america/los_angeles", "../etc/passwd", "", "UTC+5"])
def test_an_unknown_zone_is_a_422_naming_the_field(aws: Any, zone: str) -> None:
    reply = call("PUT", "/me", user=LEARNER, body={"display_name": "Dr. Z", "time_zone": zone})
    assert reply.status == 422, reply
    assert reply.body["error"]["details"][0]["field"] == "time_zone"


def test_a_claim_at_6_pm_on_1_april_in_california_is_dated_1_april(aws: Any) -> None:
    make_course()
    make_premium(LEARNER)
    call("PUT", "/me", user=LEARNER, body={"display_name": "Dr. West", "time_zone": "America/Los_Angeles"})
    seed_credits(LEARNER, "em", 1, earned_at="2026-03-31T23:30:00Z")  # 16:30 on 31 March there
    at(datetime(2026, 4, 2, 1, 0, tzinfo=UTC))  # 18:00 on 1 April in Los Angeles
    made = call("POST", "/claims", user=LEARNER, body={"all": True}, headers={"Idempotency-Key": "tz"})
    assert made.status == 201 and made.body["time_zone"] == "America/Los_Angeles"
    # The learner moves; the claim keeps the zone it was made in.
    call("PUT", "/me", user=LEARNER, body={"display_name": "Dr. West", "time_zone": "Asia/Tokyo"})
    assert (
        call("GET", f"/claims/{made.body['claim_id']}", user=LEARNER).body["time_zone"]
        == "America/Los_Angeles"
    )
    assert certificates.render_claim(LEARNER, made.body["claim_id"]) == "rendered"
    record = claim_store.get_claim(LEARNER, made.body["claim_id"])
    assert record is not None and record.pdf_key
    pdf = objects.get(record.pdf_key)
    assert pdf is not None
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026-04-01" in text and "2026-04-02" not in text  # claimed on 1 April, there
    assert "2026-03-31" in text  # the topic, earned on 31 March there
    assert "America/Los_Angeles" in text  # the zone, named in small print
