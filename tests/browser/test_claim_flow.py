"""The learner's whole claim flow in chromium: select, preview, generate, evaluate, Claimed, download."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from tests.browser.conftest import Learner, Learners, sign_in
from tests.stack import Api, LocalStackProcess, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]

# The learner whose certificate is previewed has a name in Arabic script (right to left, joined
# letters): the web client, the preview PDF and the certificate all give it back as entered.
NAME = "\u0641\u0627\u0637\u0645\u0629 \u0627\u0644\u0632\u0647\u0631\u0627\u0621"  # Fatima Al-Zahra


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:40]
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def claim_by_api(api: Api, learner: Learner, *topics: str) -> dict[str, Any]:
    selections = [{"credit_id": learner.topic(t).credit_id} for t in topics]
    body = {"credit_type": "AMA_PRA_1", "selections": selections}
    headers = {"Idempotency-Key": f"api-{uuid.uuid4()}"}
    return dict(expect(api.post("/claims", user=learner.user_id, json=body, headers=headers), 201))


def claimed_totals(page: Any) -> list[str]:
    page.locator("table.claims-table").wait_for()
    return [t.strip() for t in page.locator("table.claims-table tbody td.claim__total").all_inner_texts()]


def sort_claims(page: Any, sort: str, order: str) -> None:
    page.get_by_label("Sort by").select_option(sort)
    page.get_by_label("Order").select_option(order)
    page.wait_for_function(
        "([s, o]) => location.hash === `#/claimed?sort=${s}&order=${o}` && !document.querySelector('.claims[aria-busy]')",
        arg=[sort, order],
    )


def test_the_whole_claim_flow(
    page: Any, api: Api, learners: Learners, local_stack: LocalStackProcess, screenshot: Shot
) -> None:
    learner = learners.create(
        [
            ("0", "Early goal-directed therapy", "0.5"),
            ("0", "Lactate and fluid responsiveness", "0.75"),
            ("1", "Video laryngoscopy", "1.25"),
            ("1", "Surgical airway refresher", "2", "2025-06-01T09:00:00Z"),
        ],
        name=NAME,
    )
    sepsis, airway = learner.courses.values()
    earlier = claim_by_api(api, learner, "Surgical airway refresher")  # earned 2025, 2 credits

    # Sign-in: pick the learner.
    page.goto("/")
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    choice = page.locator(f'button.learner[data-user-id="{learner.user_id}"]')
    assert choice.inner_text() == f"{NAME} ({learner.user_id})"
    screenshot(page, "sign-in")
    choice.click()

    # Unclaimed: AMA PRA Category 1 by default, grouped by course, running total, "Claim N credits".
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    credit_type = page.get_by_label("Credit type")
    assert credit_type.input_value() == "AMA_PRA_1"
    assert "AMA PRA Category 1" in credit_type.locator("option:checked").inner_text()
    assert page.locator("h2.course__title").all_inner_texts() == sorted([sepsis, airway])
    claim = page.locator("button.claim-button")
    assert claim.inner_text() == "Claim 0 credits"
    assert claim.is_disabled()
    page.get_by_label("Early goal-directed therapy", exact=True).check()
    assert claim.inner_text() == "Claim 0.5 credits"
    page.get_by_label("Lactate and fluid responsiveness", exact=True).check()
    assert claim.inner_text() == "Claim 1.25 credits"
    assert page.locator(".claim-bar__total").inner_text() == "Selected: 1.25 credits from 2 topics"
    assert page.get_by_label("Credits to claim for Lactate and fluid responsiveness").input_value() == "0.75"
    topic_row = page.locator(f'li.topic[data-credit-id="{learner.topic("Video laryngoscopy").credit_id}"]')
    assert re.search(r"Expires \w{3} \d+, 2029", topic_row.inner_text())
    screenshot(page, "unclaimed")
    claim.click()

    # Preview: the PDF embedded, the name as it will print, Cancel or Generate.
    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()
    assert page.locator("#printed-name").inner_text() == f"{NAME}, MD"
    assert (
        page.get_by_role("link", name="Edit your profile").get_attribute("href") == "#/profile?from=preview"
    )
    frame = page.locator("iframe#preview-pdf")
    assert frame.get_attribute("title")
    preview_url = frame.get_attribute("src")
    assert preview_url and preview_url.startswith(local_stack.aws_endpoint)
    preview_text = pdf_text(requests.get(preview_url, timeout=10).content)
    assert NAME in preview_text
    assert page.get_by_role("link", name="Cancel").is_visible()
    page.frame_locator("iframe#preview-pdf").locator("body").wait_for()
    page.wait_for_timeout(600)  # let the PDF viewer paint for the screenshot
    screenshot(page, "preview")
    page.get_by_role("button", name="Generate certificate").click()

    # Evaluation (optional), then the success message.
    page.get_by_role("heading", name="Evaluate this activity", level=1).wait_for()
    assert "You claimed 1.25 credits of AMA PRA Category 1" in page.locator(".notice--success").inner_text()
    claim_id = page.evaluate("location.hash").split("/")[-1]
    for question, answer in [
        ("Overall, how would you rate this activity?", "5 Excellent"),
        ("How relevant was it to your practice?", "4 Very good"),
        ("How would you rate the quality of the content?", "4 Very good"),
        ("Was the activity free of commercial bias?", "Yes"),
    ]:
        page.get_by_role("group", name=question).get_by_label(answer).check()
    page.get_by_label("What will you change in your practice? (optional)").fill(
        "Lactate at triage for every suspected sepsis."
    )
    screenshot(page, "evaluation", full_page=True)
    page.get_by_role("button", name="Submit evaluation").click()
    page.get_by_role("heading", name="Certificate claimed", level=1).wait_for()
    success = page.locator("#success-message").inner_text()
    assert "You claimed 1.25 credits of AMA PRA Category 1" in success
    assert "Thank you for your evaluation." in success
    page.get_by_role("button", name="Download certificate (PDF)").wait_for(timeout=60_000)
    assert page.locator("#certificate-status").inner_text() == "Your certificate is ready."
    screenshot(page, "success")
    stored = expect(api.get(f"/claims/{claim_id}", user=learner.user_id), 200)
    assert stored["evaluation_submitted"] is True
    assert stored["total"] == 1.25

    # Claimed: both claims; sorting by date claimed, year earned and credits.
    page.get_by_role("link", name="Claimed", exact=True).click()
    page.get_by_role("heading", name="Claimed certificates", level=1).wait_for()
    assert claimed_totals(page) == ["1.25", "2"]  # newest first
    rows = page.locator("table.claims-table tbody tr")
    assert rows.nth(0).get_attribute("data-claim-id") == claim_id
    assert rows.nth(1).get_attribute("data-claim-id") == earlier["claim_id"]
    assert page.locator("th[aria-sort]").inner_text().startswith("Date claimed")
    sort_claims(page, "credits", "asc")
    assert claimed_totals(page) == ["1.25", "2"]
    sort_claims(page, "credits", "desc")
    assert claimed_totals(page) == ["2", "1.25"]
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    sort_claims(page, "earned_year", "asc")
    assert claimed_totals(page) == ["2", "1.25"]
    assert rows.nth(0).locator("td").nth(3).inner_text() == "2025"
    sort_claims(page, "claimed_at", "desc")
    assert claimed_totals(page) == ["1.25", "2"]
    page.locator(f'tr[data-claim-id="{claim_id}"][data-status="ready"]').wait_for()
    screenshot(page, "claimed")

    # Open: the certificate PDF in a new tab, naming the learner and the course.
    with page.context.expect_page() as opened:
        page.locator(f'tr[data-claim-id="{claim_id}"]').get_by_role(
            "button", name=re.compile("^Open")
        ).click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"/certificates/"))
    download = page.context.request.get(tab.url)
    assert download.ok
    assert download.headers["content-type"] == "application/pdf"
    text = pdf_text(download.body())
    assert NAME in text
    assert sepsis in text
    assert "1.25" in text
    tab.close()


def test_claim_n_credits_is_an_exact_decimal_sum(page: Any, learners: Learners) -> None:
    """0.1 + 0.2 is 0.3 on the button, never 0.30000000000000004; odd remainders are accepted whole."""
    learner = learners.create([("0", "Topic A", "0.1"), ("0", "Topic B", "0.2"), ("1", "Topic C", "1.33")])
    sign_in(page, learner)
    page.get_by_label("Select all credits").check()
    claim = page.locator("button.claim-button")
    assert claim.inner_text() == "Claim 1.63 credits"
    page.get_by_label("Topic C", exact=True).uncheck()
    assert claim.inner_text() == "Claim 0.3 credits"
    assert page.get_by_label("Select all credits").evaluate("el => el.indeterminate")
    page.get_by_label("Topic C", exact=True).check()
    amount = page.get_by_label("Credits to claim for Topic C")
    amount.fill("0.4")  # neither a multiple of 0.25 nor the whole 1.33
    assert claim.is_disabled()
    assert amount.get_attribute("aria-invalid") == "true"
    assert (
        "Use steps of 0.25"
        in page.locator(f"#{amount.get_attribute('aria-describedby').split()[1]}").inner_text()
    )
    amount.fill("1.5")
    assert "at most 1.33" in page.locator("li.topic", has_text="Topic C").inner_text()
    amount.fill("0.75")
    assert claim.inner_text() == "Claim 1.05 credits"
    assert claim.is_enabled()
    # The amount modules themselves, in the page.
    checks = page.evaluate(
        """async () => {
            const a = await import('/js/amounts.js');
            return [a.format(a.sum([a.fromApi(0.1), a.fromApi(0.2)])), a.parse('1,5'), a.parse('1.234'),
                    a.parse('.25'), a.problem(a.parse('0.5'), 133), a.format(1), a.credits(100)];
        }"""
    )
    assert checks == ["0.3", 150, None, 25, None, "0.01", "1 credit"]


def test_a_learner_without_membership_is_told_in_plain_words(
    page: Any, learners: Learners, screenshot: Shot
) -> None:
    learner = learners.create(premium=False)
    sign_in(page, learner)
    assert "needs a premium membership" in page.locator("#membership-note").inner_text()
    page.get_by_label("Video laryngoscopy", exact=True).check()
    page.get_by_role("button", name="Claim 1.25 credits").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "membership_required"
    assert "A premium membership is needed to claim credit" in alert.inner_text()
    assert "Your earned credits are safe" in alert.inner_text()
    assert "membership_required" not in alert.inner_text()  # no codes shown to a clinician
    screenshot(page, "refusal")


def test_credits_claimed_meanwhile_are_explained_and_the_list_refreshed(
    page: Any, api: Api, learners: Learners
) -> None:
    learner = learners.create()
    sign_in(page, learner)
    page.get_by_label("Early goal-directed therapy", exact=True).check()
    page.get_by_label("Video laryngoscopy", exact=True).check()
    page.get_by_role("button", name="Claim 1.75 credits").click()
    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()

    claim_by_api(api, learner, "Video laryngoscopy")  # another tab, another device...

    page.get_by_role("button", name="Generate certificate").click()
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-code") == "credits_unavailable"
    text = alert.inner_text()
    assert "Some of these credits were claimed or changed meanwhile" in text
    assert "“Video laryngoscopy” has already been claimed." in text
    assert "Nothing was claimed this time." in text
    # The list is fresh: the claimed topic is gone, the other one is still selected.
    page.locator("form.claim-form").wait_for()
    assert page.get_by_label("Video laryngoscopy", exact=True).count() == 0
    assert page.get_by_label("Early goal-directed therapy", exact=True).is_checked()
    assert page.locator("button.claim-button").inner_text() == "Claim 0.5 credits"
    claims = expect(api.get("/claims", user=learner.user_id), 200)["items"]
    assert [c["total"] for c in claims] == [1.25]


def test_a_retried_generate_reuses_its_idempotency_key(page: Any, api: Api, learners: Learners) -> None:
    """A network failure on Generate, then Try again: one claim, made with one key."""
    learner = learners.create()
    sign_in(page, learner)
    page.get_by_label("Video laryngoscopy", exact=True).check()
    page.get_by_role("button", name="Claim 1.25 credits").click()
    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()
    keys: list[str] = []

    def fail_once(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/claims$"), fail_once)
    page.get_by_role("button", name="Generate certificate").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "We could not reach CME Ledger" in alert.inner_text()
    assert "it will not be claimed twice" in alert.inner_text()
    alert.get_by_role("button", name="Try again").click()
    page.get_by_role("heading", name="Evaluate this activity", level=1).wait_for()
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) >= 16
    page.get_by_role("link", name="Skip the evaluation").click()
    page.get_by_role("heading", name="Certificate claimed", level=1).wait_for()
    assert len(expect(api.get("/claims", user=learner.user_id), 200)["items"]) == 1


def test_an_expired_session_asks_to_sign_in_again(page: Any, learners: Learners) -> None:
    learner = learners.create()
    sign_in(page, learner)
    # The token ends (or is revoked) while the page is open.
    page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem('cme.session'));
            s.token = s.token.slice(0, -4) + 'AAAA';
            sessionStorage.setItem('cme.session', JSON.stringify(s));
        }"""
    )
    page.get_by_role("link", name="Claimed", exact=True).click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    alert = page.get_by_role("alert")
    assert "Your session has ended" in alert.inner_text()
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').click()
    page.get_by_role("heading", name="Claimed certificates", level=1).wait_for()  # back where they were
