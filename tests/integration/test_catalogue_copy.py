"""The catalogue kept in the execution environment (services/catalog.py): a claim never acts on a
stale course, a listing shows a changed course within STALE_AFTER_SECONDS, a course created
elsewhere is found at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cme_ledger import clock
from cme_ledger.domain.catalog import new_course
from cme_ledger.domain.credits import NewCredit, build_credit
from cme_ledger.domain.model import Course
from cme_ledger.services import catalog
from cme_ledger.store import catalog as catalog_store
from cme_ledger.store import credits as credit_store
from tests.support import call, make_course, make_premium, seed_credits

LEARNER = "learner-cat"


def changed_elsewhere(course_id: str, title: str) -> Course:
    """A course saved by another execution environment: this one's copy is not told."""
    course = new_course(course_id, title, "CME Ledger Academy", ["AMA_PRA_1", "ACEP"], None, None)
    catalog_store.save_course(course, clock.iso(clock.now()))
    return course


@pytest.fixture
def learner(aws: Any) -> list[str]:
    make_course("em", title="Emergency Medicine")
    make_premium(LEARNER)
    credits = seed_credits(LEARNER, "em", 3)
    assert call("GET", "/credits/summary", user=LEARNER).status == 200  # the copy is read
    return credits


def test_a_claim_decided_with_a_stale_copy_is_decided_again_with_the_new_course(learner: list[str]) -> None:
    changed_elsewhere("em", "Emergency Medicine, 2nd edition")
    made = call("POST", "/claims", user=LEARNER, body={"all": True})
    assert made.status == 201
    assert [c["course_title"] for c in made.body["certificates"]] == ["Emergency Medicine, 2nd edition"]
    read = call("GET", f"/claims/{made.body['claim_id']}", user=LEARNER)
    assert [c["course_title"] for c in read.body["certificates"]] == ["Emergency Medicine, 2nd edition"]


def test_a_listing_shows_a_changed_course_once_the_copy_is_stale(
    learner: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changed_elsewhere("em", "Emergency Medicine, 2nd edition")
    monkeypatch.setattr(catalog, "STALE_AFTER_SECONDS", 0.0)
    listed = call("GET", "/credits", user=LEARNER)
    assert {c["course_title"] for c in listed.body["items"]} == {"Emergency Medicine, 2nd edition"}


def test_credit_in_a_course_created_elsewhere_is_listed_with_its_title(learner: list[str]) -> None:
    tox = changed_elsewhere("tox", "Toxicology")
    # Recorded elsewhere too (POST /admin/credits in another environment): this one's copy never saw it.
    item = NewCredit(LEARNER, "tox", "Antidotes", Decimal("1"), "tox-1", clock.now())
    credit_store.save_all([build_credit(item, tox, clock.now(), "00000000aa")])
    listed = call("GET", "/credits", user=LEARNER, query={"course_id": "tox"})
    assert [c["course_title"] for c in listed.body["items"]] == ["Toxicology"]
    summary = call("GET", "/credits/summary", user=LEARNER)
    assert [c["course_title"] for c in summary.body["courses"]] == ["Emergency Medicine", "Toxicology"]
