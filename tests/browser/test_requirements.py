"""The Requirements screen and 'Add credit earned elsewhere' (issue 17): choosing sets, a bar per rule,
what is missing and the deadline, 'claim N credits of T' leading to the claim screen, and credit
earned elsewhere saved with its certificate file uploaded (with progress) and checked on arrival."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Learner, Learners, sign_in
from tests.browser.test_accessibility import NO_SIDEWAYS_SCROLL_JS, check_screen
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n" + b"%" * 200_000


def learner_with_a_claim(api: Api, learners: Learners) -> Learner:
    """Three credits of 2026 (0.5, 0.75, 1.25), the last claimed as AMA PRA Category 1."""
    learner = learners.create()
    body = {"selections": [{"credit_id": learner.topic("Video laryngoscopy").credit_id}]}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    expect(api.post("/claims", user=learner.user_id, json=body, headers=headers), 201)
    return learner


def open_requirements(page: Any) -> None:
    page.get_by_role("link", name="Requirements", exact=True).click()
    page.get_by_role("heading", name="Renewal requirements", level=1).wait_for()


def choose(page: Any, name: str, start: str) -> None:
    page.get_by_label(name).check()
    row = page.locator("li.set-choice").filter(has=page.get_by_label(name))
    row.locator("input[type=date]").fill(start)


def test_progress_bars_what_is_missing_and_what_to_claim(
    page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    learner = learner_with_a_claim(api, learners)
    sign_in(page, learner)
    open_requirements(page)
    assert "do not follow any requirement set" in page.locator("main").inner_text()

    page.get_by_role("button", name="Save requirement sets").click()  # nothing chosen: allowed
    page.locator(".notice--success").filter(has_text="Requirement sets saved").wait_for()
    page.get_by_label("ACEP active membership").check()
    page.get_by_role("button", name="Save requirement sets").click()  # no cycle start: refused here
    date = page.locator("li.set-choice[data-code=ACEP_MEMBER] input[type=date]")
    assert date.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.type") == "date"
    choose(page, "ACEP active membership", "2025-01-01")
    choose(page, "California physician licence (MD)", "2025-01-01")
    page.get_by_role("button", name="Save requirement sets").click()
    acep = page.locator("section.requirement[data-code=ACEP_MEMBER]")
    acep.wait_for()
    assert "Due by Dec 31, 2027" in acep.inner_text()  # a 3-year cycle from 2025-01-01
    total = acep.locator("li.rule[data-rule=total]")
    assert "1.25 of 150" in total.inner_text() and "148.75 more needed" in total.inner_text()
    assert total.locator("progress").get_attribute("max") == "15000"
    assert total.locator("progress").get_attribute("value") == "125"
    category_1 = acep.locator("li.rule[data-rule=acep_category_1]")
    assert "0 of 60" in category_1.inner_text()
    # 0.5, 0.75 and the 1.25 claimed as AMA PRA 1 only would count as ACEP Category I once claimed so.
    suggestion = category_1.get_by_role(
        "link", name="Claim 2.5 credits of ACEP Category I Credit: 2.5 more toward this"
    )
    california = page.locator("section.requirement[data-code=CA_MD]")
    assert "Unverified" in california.inner_text()  # its 50-hour total is from secondary sources
    assert "Not met yet" in california.locator("h2").inner_text()
    check_screen(page)
    screenshot(page, "requirements", full_page=True)

    suggestion.click()
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    page.locator("form.claim-form").wait_for()
    assert page.get_by_label("Credit type").input_value() == "ACEP"


def test_credit_earned_elsewhere_is_saved_with_its_file_and_counts(
    page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    learner = learner_with_a_claim(api, learners)
    chosen = {"items": [{"code": "ACEP_MEMBER", "cycle_start": "2025-01-01"}]}
    expect(api.put("/me/requirements", user=learner.user_id, json=chosen), 200)
    sign_in(page, learner)
    open_requirements(page)
    page.get_by_role("link", name="Add credit earned elsewhere").click()
    page.get_by_role("heading", name="Add credit earned elsewhere", level=1).wait_for()

    page.get_by_role("button", name="Save credit").click()  # empty: every required field says so
    assert page.locator("[aria-invalid=true]").count() == 4
    page.get_by_label("Activity title").fill("ACEP Scientific Assembly 2026")
    page.get_by_label("Provider").fill("American College of Emergency Physicians")
    page.get_by_label("Credit type").select_option("ACEP")
    page.get_by_label("Credits (required)", exact=True).fill("12.5")
    page.get_by_label("Date completed").fill("2026-03-14")
    page.get_by_label("Patient safety").check()
    page.get_by_label("It was a live activity").check()
    certificate = page.get_by_label("Certificate file", exact=True)
    certificate.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just text"})
    page.get_by_role("button", name="Save credit").click()
    assert "PDF, PNG or JPEG" in page.locator(".field-error").filter(has_text="PDF").inner_text()
    large = b"%PDF-" + b"0" * (11 * 1024 * 1024)
    certificate.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": large})
    page.get_by_role("button", name="Save credit").click()
    assert "larger than 10 MB" in page.locator("main").inner_text()
    certificate.set_input_files({"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF})
    check_screen(page)
    screenshot(page, "external-credit", full_page=True)
    page.get_by_role("button", name="Save credit").click()
    page.locator(".notice--success").filter(has_text="Credit saved").wait_for(timeout=40_000)
    assert page.locator(".upload-progress progress").get_attribute("value") == "100"
    assert "100%: checked" in page.locator(".upload-progress").inner_text()
    assert "checked and is attached" in page.locator(".notice--success").inner_text()
    check_screen(page)
    screenshot(page, "external-credit-saved")

    page.get_by_role("link", name="Back to requirements").click()
    page.get_by_role("heading", name="Renewal requirements", level=1).wait_for()
    acep = page.locator("section.requirement[data-code=ACEP_MEMBER]")
    assert "13.75 of 150" in acep.locator("li.rule[data-rule=total]").inner_text()  # 1.25 + 12.5
    assert "12.5 of 60" in acep.locator("li.rule[data-rule=acep_category_1]").inner_text()
    entry = page.locator("li.external-credit").filter(has_text="ACEP Scientific Assembly 2026")
    assert "self-reported" in entry.inner_text() and "Mar 14, 2026" in entry.inner_text()
    with page.expect_popup() as opened:
        entry.get_by_role("button", name="Open certificate").click()
    popup = opened.value
    assert "versionId=" in popup.url
    popup.close()

    entry.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete it").click()
    page.locator("li.external-credit").filter(has_text="ACEP Scientific Assembly 2026").wait_for(
        state="detached"
    )
    assert expect(api.get("/me/external-credits", user=learner.user_id), 200)["items"] == []


def test_the_requirements_screen_fits_a_phone(phone_page: Any, api: Api, learners: Learners) -> None:
    page = phone_page
    learner = learner_with_a_claim(api, learners)
    chosen = {
        "items": [
            {"code": "AAFP_MEMBER", "cycle_start": "2025-01-01"},
            {"code": "DEA_MATE", "cycle_start": "2023-06-27"},
        ]
    }
    expect(api.put("/me/requirements", user=learner.user_id, json=chosen), 200)
    page.goto("/")
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').tap()
    page.locator("form.claim-form").wait_for()
    page.goto("/#/requirements")
    page.get_by_role("heading", name="Renewal requirements", level=1).wait_for()
    assert "A one-time requirement" in page.locator("section.requirement[data-code=DEA_MATE]").inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    page.goto("/#/external-credit")
    page.get_by_role("heading", name="Add credit earned elsewhere", level=1).wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
