"""Accessibility and phones: keyboard-only claiming, a label for every control, contrast, no sideways scroll."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Learner, Learners
from tests.stack import Api, expect

pytestmark = pytest.mark.browser

Shot = Callable[..., Path]

# Every visible form control, button, link and frame without an accessible name (labels, aria-label,
# aria-labelledby, text, title); every fieldset without a legend.
UNLABELLED_JS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea, button, a[href], iframe')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    let name = text(el.getAttribute('aria-label'));
    if (!name && el.getAttribute('aria-labelledby')) {
      name = text(el.getAttribute('aria-labelledby').split(/\\s+/).map((id) => document.getElementById(id)?.textContent).join(' '));
    }
    if (!name && el.labels) name = text([...el.labels].map((l) => l.textContent).join(' '));
    if (!name && ['BUTTON', 'A'].includes(el.tagName)) name = text(el.textContent);
    if (!name && el.tagName === 'IFRAME') name = text(el.title);
    if (!name) bad.push(el.outerHTML.slice(0, 160));
  }
  for (const fs of document.querySelectorAll('fieldset')) {
    if (!text(fs.querySelector(':scope > legend')?.textContent)) bad.push(fs.outerHTML.slice(0, 160));
  }
  return bad;
}"""

# Text whose contrast with its background is below WCAG AA (4.5:1; 3:1 for large text).
LOW_CONTRAST_JS = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetWidth || el.disabled || el.closest('[disabled]')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const fg = lum(parse(style.color).slice(0, 3));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${ratio.toFixed(2)} ${el.tagName} ${el.textContent.trim().slice(0, 40)}`);
  }
  return bad;
}"""

NO_SIDEWAYS_SCROLL_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def check_screen(page: Any) -> None:
    assert page.evaluate(UNLABELLED_JS) == []
    assert page.evaluate(LOW_CONTRAST_JS) == []
    assert page.locator("h1").count() == 1


def tab_to(page: Any, predicate: str, limit: int = 120, *, never: str | None = None) -> None:
    """Press Tab until document.activeElement (`el`) satisfies the JS `predicate`; with `never`, fail
    if an element satisfying that one is focused on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if never and page.evaluate(
            f"() => {{ const el = document.activeElement; return !!(el && ({never})); }}"
        ):
            raise AssertionError(f"Tab reached an element where {never} before one where {predicate}")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def claim_by_api(api: Api, learner: Learner, topic: str) -> None:
    body = {"credit_type": "AMA_PRA_1", "selections": [{"credit_id": learner.topic(topic).credit_id}]}
    expect(
        api.post("/claims", user=learner.user_id, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}),
        201,
    )


def test_keyboard_only_select_preview_and_generate(page: Any, learners: Learners) -> None:
    learner = learners.create()
    page.goto("/")
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    tab_to(page, f"el.dataset.userId === '{learner.user_id}'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    page.locator("form.claim-form").wait_for()
    assert page.evaluate("document.activeElement.tagName") == "H1"  # focus moves to the new screen

    first = learner.topic("Early goal-directed therapy").credit_id
    second = learner.topic("Video laryngoscopy").credit_id
    tab_to(page, f"el.type === 'checkbox' && el.dataset.creditId === '{first}'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the keyboard focus must be visible"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # into its amount, now enabled
    assert page.evaluate("document.activeElement.classList.contains('amount')")
    page.keyboard.press("Control+A")
    page.keyboard.type("0.25")
    tab_to(page, f"el.type === 'checkbox' && el.dataset.creditId === '{second}'")
    page.keyboard.press("Space")
    claim = page.locator("button.claim-button")
    assert claim.inner_text() == "Claim 1.5 credits"
    tab_to(page, "el.classList.contains('claim-button')")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Preview your certificate", level=1).wait_for()
    # Generate comes before the embedded PDF: no tabbing through the PDF viewer's controls to reach it.
    tab_to(page, "el.id === 'generate'", never="el.tagName === 'IFRAME'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Evaluate this activity", level=1).wait_for()
    # The ratings are radio groups: Tab into a group, arrows choose.
    tab_to(page, "el.type === 'radio' && el.name === 'overall'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=overall]:checked").get_attribute("value") == "2"
    tab_to(page, "el.id === 'skip'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Certificate claimed", level=1).wait_for()
    assert "You claimed 1.5 credits" in page.locator("#success-message").inner_text()


def test_every_control_has_a_label_and_text_has_contrast(page: Any, api: Api, learners: Learners) -> None:
    learner = learners.create()
    claim_by_api(api, learner, "Video laryngoscopy")
    page.goto("/")
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').wait_for()
    check_screen(page)  # sign-in
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').click()
    page.locator("form.claim-form").wait_for()
    page.get_by_label("Early goal-directed therapy", exact=True).check()
    check_screen(page)  # unclaimed
    page.locator("button.claim-button").click()
    page.locator("iframe#preview-pdf").wait_for()
    check_screen(page)  # preview
    page.get_by_role("button", name="Generate certificate").click()
    page.get_by_role("heading", name="Evaluate this activity").wait_for()
    page.get_by_role("button", name="Submit evaluation").click()  # unanswered: errors shown
    assert page.locator("fieldset[aria-invalid=true]").count() == 4
    check_screen(page)  # evaluation, with its errors
    page.get_by_role("link", name="Skip the evaluation").click()
    page.get_by_role("heading", name="Certificate claimed").wait_for()
    check_screen(page)  # success
    page.get_by_role("link", name="Claimed", exact=True).click()
    page.locator("table.claims-table").wait_for()
    check_screen(page)  # claimed
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("heading", name="Your profile").wait_for()
    check_screen(page)  # profile
    assert page.evaluate("document.documentElement.lang") == "en"


def test_a_phone_sized_screen_never_scrolls_sideways(
    phone_page: Any, api: Api, learners: Learners, screenshot: Shot
) -> None:
    page = phone_page
    learner = learners.create(
        [
            ("0", "Early goal-directed therapy and the first hour of resuscitation", "0.5"),
            ("0", "Lactate and fluid responsiveness", "0.75"),
            ("1", "Video laryngoscopy", "1.25"),
        ]
    )
    claim_by_api(api, learner, "Video laryngoscopy")
    page.goto("/")
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').tap()
    page.locator("form.claim-form").wait_for()
    page.get_by_label("Lactate and fluid responsiveness", exact=True).tap()
    assert page.locator("button.claim-button").inner_text() == "Claim 0.75 credits"
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    # Touch targets: the claim button spans the screen and is at least 44 px tall.
    box = page.locator("button.claim-button").bounding_box()
    assert box and box["height"] >= 44 and box["width"] > 300
    page.evaluate("window.scrollTo(0, 0)")  # the claim bar stays at the bottom (sticky)
    screenshot(page, "phone")
    page.locator("button.claim-button").tap()
    page.locator("iframe#preview-pdf").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    page.get_by_role("link", name="Claimed", exact=True).tap()
    page.locator("table.claims-table").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    # The table becomes one card per claim, each value labelled.
    head = page.locator("table.claims-table thead").bounding_box()
    assert head is not None and head["height"] <= 1
    page.get_by_role("link", name="Profile", exact=True).tap()
    page.get_by_role("heading", name="Your profile").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
