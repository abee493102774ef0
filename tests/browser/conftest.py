"""Playwright (sync API) driving Debian's chromium against the session's local stack.

`make test` installs chromium (infra/scripts/system-deps.sh); `playwright install` is never needed.
Screenshots go to a temporary directory, or to `$CME_SCREENSHOTS` (`make screens`: docs/screens/).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.stack import Api, LocalStackProcess, expect

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
ADMIN: dict[str, Any] = {"user": "browser-admin", "admin": True}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class PageErrors(list[str]):
    """Uncaught exceptions and console errors of the pages of one test (none are expected)."""


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


def _page_error(errors: PageErrors, exc: Any) -> None:
    """An uncaught exception, with its stack; chromium's own pages (its PDF viewer, an extension that
    runs inside the preview's frame) are not the client's code, so their errors are not the test's."""
    stack = str(getattr(exc, "stack", "") or "")
    if "chrome-extension://" in stack or "chrome://" in stack:
        return
    errors.append(f"pageerror: {exc}\n{stack}".rstrip())


def _new_page(browser: Any, local_stack: LocalStackProcess, errors: PageErrors, **context_args: Any) -> Any:
    context = browser.new_context(
        base_url=local_stack.url,
        locale="en-US",
        timezone_id="UTC",
        viewport=context_args.pop("viewport", {"width": 1200, "height": 900}),
        **context_args,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: _page_error(errors, exc))

    def console(message: Any) -> None:
        # Refusals the test provokes are logged by chromium as failed resources; those are expected.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"console: {message.text}")

    page.on("console", console)
    return page


@pytest.fixture
def page(browser: Any, local_stack: LocalStackProcess, page_errors: PageErrors) -> Iterator[Any]:
    page = _new_page(browser, local_stack, page_errors)
    yield page
    page.context.close()
    assert not page_errors, f"the page reported errors: {page_errors}"


@pytest.fixture
def phone_page(browser: Any, local_stack: LocalStackProcess, page_errors: PageErrors) -> Iterator[Any]:
    page = _new_page(
        browser,
        local_stack,
        page_errors,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    page.context.close()
    assert not page_errors, f"the page reported errors: {page_errors}"


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("CME_SCREENSHOTS", "").strip()
    if configured:
        path = Path(configured).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screens")


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Callable[[Any, str], Path]:
    def take(page: Any, name: str, *, full_page: bool = False) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path

    return take


# ---------------------------------------------------------------------- learners


@dataclass
class Topic:
    credit_id: str
    topic: str
    amount: str
    earned_at: str


@dataclass
class Learner:
    user_id: str
    name: str
    courses: dict[str, str] = field(default_factory=dict)  # course_id -> title
    topics: list[Topic] = field(default_factory=list)

    def topic(self, name: str) -> Topic:
        return next(t for t in self.topics if t.topic == name)


class Learners:
    """Fresh learners set up through the admin API, as the course platform would."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def create(
        self,
        credits: list[tuple[str, ...]] | None = None,
        *,
        premium: bool = True,
        name: str = "Avery Quinn",
        degree: str = "MD",
        course_titles: tuple[str, ...] = ("Sepsis Masterclass", "Airway Skills Lab"),
        credit_types: tuple[str, ...] = ("AMA_PRA_1", "ACEP"),
        profile: dict[str, Any] | None = None,
    ) -> Learner:
        """`credits`: (course index, topic, amount[, earned_at]); by default earned a day apart in 2026."""
        tag = uuid.uuid4().hex[:8]
        learner = Learner(user_id=f"web-{tag}", name=name)
        for i, title in enumerate(course_titles):
            course_id = f"web-{tag}-{i}"
            body: dict[str, Any] = {
                "title": f"{title} {tag}",
                "provider": "Browser Test Academy",
                "credit_types": list(credit_types),
            }
            if "ABP_MOC_2" in credit_types:
                body["pars_activity_id"] = f"PARS-{tag}-{i}"
            expect(self.api.put(f"/admin/courses/{course_id}", json=body, **ADMIN), 200)
            learner.courses[course_id] = body["title"]
        course_ids = list(learner.courses)
        rows: list[tuple[str, ...]] = (
            list(credits)
            if credits
            else [
                ("0", "Early goal-directed therapy", "0.5"),
                ("0", "Lactate and fluid responsiveness", "0.75"),
                ("1", "Video laryngoscopy", "1.25"),
            ]
        )
        items: list[dict[str, Any]] = [
            {
                "user_id": learner.user_id,
                "course_id": course_ids[int(course)],
                "topic": topic,
                "amount": float(amount),
                "earned_at": row[3] if len(row) > 3 else f"2026-0{1 + i // 28}-{1 + i % 28:02d}T09:00:00Z",
                "source_id": f"web-{tag}-{i}",
            }
            for i, row in enumerate(rows)
            for course, topic, amount in [row[:3]]
        ]
        answer = expect(self.api.post("/admin/credits", json={"items": items}, **ADMIN), 201)
        for item, created in zip(items, answer["items"], strict=True):
            learner.topics.append(
                Topic(created["credit_id"], item["topic"], str(item["amount"]), item["earned_at"])
            )
        if premium:
            membership = {"premium_until": "2099-01-01T00:00:00Z"}
            expect(
                self.api.put(f"/admin/members/{learner.user_id}/membership", json=membership, **ADMIN), 200
            )
        if profile is None:
            profile = {
                "display_name": name,
                "degree": degree,
                "first_name": name.split()[0],
                "last_name": name.split()[-1],
            }
        expect(self.api.put("/me", user=learner.user_id, json=profile), 200)
        return learner


@pytest.fixture
def learners(api: Api) -> Learners:
    return Learners(api)


def sign_in(page: Any, learner: Learner) -> None:
    """Pick the learner on the local sign-in screen; returns on the Unclaimed screen."""
    page.goto("/")
    page.locator(f'button.learner[data-user-id="{learner.user_id}"]').click()
    page.get_by_role("heading", name="Unclaimed credits", level=1).wait_for()
    page.locator("form.claim-form, p.empty").first.wait_for()
