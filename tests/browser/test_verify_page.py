"""The public verify page a certificate's QR code opens, on a phone, and 'Download credential'."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ADMIN, Learner, Learners, sign_in
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]


def ready_claim(api: Api, learner: Learner) -> dict[str, Any]:
    selections = [{"credit_id": t.credit_id} for t in learner.topics[:2]]
    body = {"credit_type": "AMA_PRA_1", "selections": selections}
    headers = {"Idempotency-Key": f"verify-{uuid.uuid4()}"}
    claim = expect(api.post("/claims", user=learner.user_id, json=body, headers=headers), 201)
    deadline = time.monotonic() + 60
    while claim["status"] != "ready":
        assert time.monotonic() < deadline, "the certificate was not rendered within 60 s"
        time.sleep(0.25)
        claim = expect(api.get(f"/claims/{claim['claim_id']}", user=learner.user_id), 200)
    return dict(claim)


def evidence_url(credential: str) -> str:
    payload = json.loads(base64.urlsafe_b64decode(credential.split(".")[1] + "=="))
    return str(payload["evidence"][0]["id"])


def test_the_qr_codes_url_opens_a_page_that_says_valid_on_a_phone(
    phone_page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    learner = learners.create(name="Noor Haddad", degree="PA-C")
    claim = ready_claim(api, learner)
    [item] = expect(api.get(f"/claims/{claim['claim_id']}/credentials", user=learner.user_id), 200)["items"]
    code = item["certificate_code"]

    # The URL the certificate's QR code and printed link carry (the credential's evidence too).
    phone_page.goto(evidence_url(item["credential"]))

    verdict = phone_page.locator(".verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-status") == "active"
    assert "Valid certificate" in verdict.inner_text()
    details = phone_page.locator("dl.verify__details").inner_text()
    for shown in ("Noor Haddad", next(iter(learner.courses.values())), "Browser Test Academy", code):
        assert shown in details
    assert "1.25 AMA PRA Category 1 Credit™" in details
    assert "January 1, 2026 to January 2, 2026" in details
    # Readable on a phone: nothing wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "verify", full_page=True)

    with phone_page.expect_download() as downloading:
        phone_page.get_by_role("link", name="Download the signed credential (Open Badges 3.0)").click()
    download = downloading.value
    assert download.suggested_filename == f"{code}.jwt"
    assert Path(download.path()).read_text() == item["credential"]


def test_a_revoked_certificate_says_so_with_the_reason(
    phone_page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    learner = learners.create(name="Tomás Ibarra")
    claim = ready_claim(api, learner)
    code = claim["certificates"][0]["certificate_code"]
    reason = {"reason": "Issued in error: the activity was not completed"}
    expect(api.post(f"/admin/certificates/{code}/revoke", json=reason, **ADMIN), 200)

    phone_page.goto(f"/verify/{code}")

    verdict = phone_page.get_by_role("alert")
    verdict.wait_for()
    text = verdict.inner_text()
    assert "Revoked: this certificate is no longer valid" in text
    assert reason["reason"] in text
    assert phone_page.title() == "Revoked certificate · CME Ledger"
    screenshot(phone_page, "verify-revoked", full_page=True)


def test_an_unknown_code_is_not_a_certificate(page: Any) -> None:
    page.goto("/verify/AAAA-BBBB-CCCC-DDDD")

    page.get_by_text("No certificate has this code").wait_for()
    page.get_by_label("Certificate code").fill("zzzz-zzzz")
    page.get_by_role("button", name="Check this code").click()
    page.wait_for_url("**/verify/zzzz-zzzz")
    page.get_by_text("No certificate has this code").wait_for()


def test_the_learner_downloads_the_credential_beside_the_pdf(page: Any, api: Api, learners: Learners) -> None:
    learner = learners.create(name="Priya Raman")
    claim = ready_claim(api, learner)
    [item] = expect(api.get(f"/claims/{claim['claim_id']}/credentials", user=learner.user_id), 200)["items"]
    sign_in(page, learner)

    page.goto(f"/#/done/{claim['claim_id']}")
    page.get_by_role("button", name="Download certificate (PDF)").wait_for()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download credential").click()
    download = downloading.value
    assert download.suggested_filename == f"{item['certificate_code']}.jwt"
    assert Path(download.path()).read_text() == item["credential"]

    page.get_by_role("link", name="Claimed", exact=True).click()
    row = page.locator(f'tr[data-claim-id="{claim["claim_id"]}"][data-status="ready"]')
    row.wait_for()
    with page.expect_download() as again:
        row.get_by_role("button", name="Credential", exact=False).click()
    assert again.value.suggested_filename == f"{item['certificate_code']}.jwt"
