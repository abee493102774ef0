"""The profile screen: edits round-trip through PUT /me; ABP MOC Part 2 sends a learner to it and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Learners, sign_in
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]


def open_profile(page: Any) -> None:
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("heading", name="Your profile", level=1).wait_for()


def test_profile_edits_round_trip(page: Any, api: Api, learners: Learners, screenshot: Shot) -> None:
    learner = learners.create()
    sign_in(page, learner)
    open_profile(page)
    assert "Premium membership until" in page.locator("#membership").inner_text()
    assert page.get_by_label("Name on certificates").input_value() == "Avery Quinn"

    page.get_by_label("Name on certificates").fill("")
    page.get_by_role("button", name="Save profile").click()
    name = page.get_by_label("Name on certificates")
    assert name.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "display_name"

    name.fill("Avery J. Quinn")
    page.get_by_label("Degree").fill("DO")
    page.get_by_label("First name").fill("Avery")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("ABP ID").fill("ABP-0042")
    page.get_by_label("Month").select_option(label="March")
    page.get_by_label("Day").select_option(label="7")
    assert page.get_by_label("Time zone").input_value() == "UTC"
    page.get_by_label("Time zone").select_option("America/Los_Angeles")
    reminders = page.get_by_label("Send me a reminder by email before credit I have not claimed expires")
    assert reminders.is_checked()
    reminders.uncheck()
    page.get_by_role("button", name="Save profile").click()
    # The API's refusal is shown at the field it names, in words (and focus goes there).
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "validation_error"
    assert "ABP ID: " in alert.inner_text()
    abp = page.get_by_label("ABP ID")
    assert abp.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "abp_id"
    assert "Value error" not in page.locator("form").inner_text()
    abp.fill("0042")
    page.get_by_role("button", name="Save profile").click()
    page.locator(".notice--success").filter(has_text="Profile saved").wait_for()
    assert page.locator("#account-name").inner_text() == "Signed in as Avery J. Quinn"
    screenshot(page, "profile", full_page=True)

    me = expect(api.get("/me", user=learner.user_id), 200)
    assert (me["display_name"], me["degree"], me["board_ids"], me["birth_month_day"]) == (
        "Avery J. Quinn",
        "DO",
        {"ABP": "0042"},
        "03-07",
    )
    assert me["time_zone"] == "America/Los_Angeles" and me["reminders"] is False

    page.reload()
    page.get_by_role("heading", name="Your profile", level=1).wait_for()
    assert page.get_by_label("Name on certificates").input_value() == "Avery J. Quinn"
    assert page.get_by_label("ABP ID").input_value() == "0042"
    assert page.get_by_label("Month").input_value() == "03"
    assert page.get_by_label("Day").input_value() == "07"

    # Clearing: the ABP ID is removed, the birth month/day goes back to not set; half a date is refused.
    page.get_by_label("ABP ID").fill("")
    page.get_by_label("Day").select_option("")
    page.get_by_role("button", name="Save profile").click()
    assert "both a month and a day" in page.locator("fieldset.birth").inner_text()
    page.get_by_label("Month").select_option("")
    page.get_by_role("button", name="Save profile").click()
    page.locator(".notice--success").filter(has_text="Profile saved").wait_for()
    me = expect(api.get("/me", user=learner.user_id), 200)
    assert me["board_ids"] == {} and me["birth_month_day"] is None


def test_abp_moc_without_an_abp_id_leads_to_the_profile_and_back(page: Any, learners: Learners) -> None:
    learner = learners.create(
        [("0", "Febrile infant 8 to 60 days", "1")],
        course_titles=("Pediatrics Grand Rounds",),
        credit_types=("AMA_PRA_1", "ABP_MOC_2"),
        profile={"display_name": "Robin Park", "degree": "MD"},
    )
    sign_in(page, learner)
    page.get_by_label("Credit type").select_option("ABP_MOC_2")
    page.wait_for_function("location.hash === '#/credits?type=ABP_MOC_2'")
    page.get_by_label("Febrile infant 8 to 60 days", exact=True).check()
    page.get_by_role("button", name="Claim 1 credit").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "board_id_required"
    text = alert.inner_text()
    assert "American Board of Pediatrics" in text
    assert "ABP ID is missing." in text and "Birth month and day is missing." in text
    alert.get_by_role("link", name="Complete your profile").click()

    page.get_by_role("heading", name="Your profile", level=1).wait_for()
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Park")
    page.get_by_label("ABP ID").fill("1234567")
    page.get_by_label("Month").select_option(label="February")
    page.get_by_label("Day").select_option(label="29")
    page.get_by_role("button", name="Save profile").click()
    page.locator(".notice--success").filter(has_text="Profile saved").wait_for()
    page.get_by_role("link", name="Back to preview").click()

    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()
    assert page.locator("#printed-name").inner_text() == "Robin Park, MD"
    page.get_by_role("button", name="Generate certificate").click()
    page.get_by_role("heading", name="Evaluate this activity", level=1).wait_for()
