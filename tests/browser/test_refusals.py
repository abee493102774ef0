"""Refusals that do not come from the happy path: bodies without the API's envelope, a credit changed
between the list and Generate, and a hash no screen can read."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from tests.browser.conftest import Learners, sign_in
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

CLAIMS_LIST = re.compile(r"/claims\?")


def fulfil(status: int, body: dict[str, Any]) -> Any:
    def handler(route: Any) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    return handler


def test_the_authorizers_own_401_asks_to_sign_in_again(page: Any, learners: Learners) -> None:
    """In AWS the JWT authorizer answers 401 with {"message": "Unauthorized"}, not the API's envelope."""
    learner = learners.create()
    sign_in(page, learner)
    page.route(CLAIMS_LIST, fulfil(401, {"message": "Unauthorized"}))
    page.get_by_role("link", name="Claimed", exact=True).click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    alert = page.get_by_role("alert")
    text = alert.inner_text()
    assert "Your session has ended" in text and "Please sign in again" in text
    assert "http_" not in text and "Unauthorized" not in text
    assert alert.get_attribute("data-code") == "unauthorized"
    page.unroute(CLAIMS_LIST)
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').click()
    page.get_by_role("heading", name="Claimed certificates", level=1).wait_for()


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (429, "Too many requests just now"),
        (413, "That request was too large"),
        (503, "Something went wrong on our side"),
    ],
)
def test_answers_without_the_envelope_get_plain_words(
    page: Any, learners: Learners, status: int, title: str
) -> None:
    learner = learners.create()
    sign_in(page, learner)
    page.route(CLAIMS_LIST, fulfil(status, {"message": "Too Many Requests"}))
    page.get_by_role("link", name="Claimed", exact=True).click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert title in text
    assert "http_" not in text and "Too Many Requests" not in text


def test_a_credit_partly_claimed_meanwhile_is_explained_and_the_list_refreshed(
    page: Any, api: Api, learners: Learners
) -> None:
    """0.6 chosen (the whole of it), 0.25 claimed in another tab: 0.6 is now neither a multiple of
    0.25 nor what is left, a 422 on selections[0].amount, handled like credits taken meanwhile."""
    learner = learners.create([("0", "Fluid challenge", "0.6"), ("1", "Bougie technique", "1")])
    sign_in(page, learner)
    page.get_by_label("Fluid challenge", exact=True).check()
    page.get_by_role("button", name="Claim 0.6 credits").click()
    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()

    body = {
        "credit_type": "AMA_PRA_1",
        "selections": [{"credit_id": learner.topic("Fluid challenge").credit_id, "amount": 0.25}],
    }
    headers = {"Idempotency-Key": f"api-{uuid.uuid4()}"}
    expect(api.post("/claims", user=learner.user_id, json=body, headers=headers), 201)

    page.get_by_role("button", name="Generate certificate").click()
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-code") == "validation_error"
    text = alert.inner_text()
    assert "Some of these credits changed meanwhile" in text
    assert "“Fluid challenge” now has less credit left than you chose." in text
    assert "Nothing was claimed this time." in text
    # The list is fresh, and what is left of the credit stays selected.
    page.locator("form.claim-form").wait_for()
    assert page.get_by_label("Fluid challenge", exact=True).is_checked()
    assert page.locator("button.claim-button").inner_text() == "Claim 0.35 credits"
    claims = expect(api.get("/claims", user=learner.user_id), 200)["items"]
    assert [c["total"] for c in claims] == [0.25]


def test_a_malformed_hash_goes_to_the_default_screen(page: Any, learners: Learners) -> None:
    learner = learners.create()
    sign_in(page, learner)
    page.evaluate("() => { location.hash = '#/done/%E0'; }")
    page.wait_for_function("() => location.hash === '#/credits'")
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    # A fresh load of such an address too.
    page.goto("/#/claimed/%E0%A4")
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()


def test_a_certificate_that_stays_processing_stops_being_polled(
    page: Any, api: Api, learners: Learners
) -> None:
    learner = learners.create()
    page.clock.install()
    sign_in(page, learner)
    body = {
        "credit_type": "AMA_PRA_1",
        "selections": [{"credit_id": learner.topic("Video laryngoscopy").credit_id}],
    }
    headers = {"Idempotency-Key": f"api-{uuid.uuid4()}"}
    claim = expect(api.post("/claims", user=learner.user_id, json=body, headers=headers), 201)
    polls: list[str] = []
    answering: list[str] = []  # polls whose answer is still on its way

    def processing(route: Any) -> None:
        polls.append(route.request.url)
        answering.append(route.request.url)
        try:
            response = route.fetch()
            answer = response.json()
            answer["status"] = "processing"
            route.fulfill(response=response, body=json.dumps(answer))
        finally:
            answering.remove(route.request.url)

    page.route(re.compile(r"/claims/[^/?]+$"), processing)
    page.goto(f"/#/done/{claim['claim_id']}")
    status = page.locator("#certificate-status")
    status.wait_for()
    assert "Preparing your certificate" in status.inner_text()
    page.clock.run_for(4 * 60_000)
    page.wait_for_function("() => document.querySelector('#certificate-status').dataset.status === 'waiting'")
    assert "still being prepared" in status.inner_text() and "check Claimed later" in status.inner_text()
    count = len(polls)
    page.clock.run_for(5 * 60_000)
    # A request of our own through the same route, after any poll those five minutes started: once it
    # is routed, every earlier request has been (no waiting on a clock for a poll that may not come).
    marker = f"{api.base_url}/claims/no-more-polls-{uuid.uuid4().hex[:8]}"
    page.evaluate("url => fetch(url).then(() => true, () => true)", marker)
    assert polls[count:] == [marker]  # no more polling
    # The page closes after the test: first let the answers still on their way arrive.
    for _ in range(400):  # 20 s at most: bounds a failure only
        if not answering:
            break
        page.wait_for_timeout(50)
    assert not answering
