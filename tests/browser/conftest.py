"""Browser tests: a real Chromium (Debian's, never a downloaded one) drives the live server,
and axe-core checks every page it lands on for serious or critical WCAG 2.2 AA failures.

The tests fail, never skip, when Chromium or axe-core is missing: CI must not pass silently.
The live server runs in a thread of this process, so the tests share its settings, its locmem
email outbox (pytest-django's) and its cache (emptied before each test by the root conftest).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise refuse the
# database calls that factories and assertions make from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_PATH = Path(
    os.environ.get(
        "AXE_PATH", Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
    )
)
# No network here: without the background-networking switches Chromium stalls at start.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000
STYLESHEET = "/static/coproduce/site.css"

# What the Content-Security-Policy blocked, per context (Chromium reports it on the console).
_refused_by_policy: dict[int, list[str]] = {}

# Contexts made with JavaScript switched off. axe cannot run in them (its timers never fire), so
# their pages are checked through a copy loaded in a JavaScript context: same markup, same CSS.
_contexts_without_js: set[int] = set()


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE_PATH.is_file():
        pytest.fail(
            f"axe-core is missing at {AXE_PATH}. Run `npm ci` (or set AXE_PATH).", pytrace=False
        )
    return AXE_PATH


@pytest.fixture(scope="session")
def browser(axe_path: Path) -> Iterator[Browser]:
    if not (CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK)):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM_PATH}. Install Debian's chromium package "
            "(or set CHROMIUM_PATH). Never `playwright install`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """The window size for `page`; a test module overrides it to try a smaller phone."""
    return PHONE


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Make a page in a fresh context (own cookies): one per person in the test."""
    contexts: list[BrowserContext] = []

    def make(*, viewport: dict[str, int] = PHONE, java_script_enabled: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale="en-GB",
            java_script_enabled=java_script_enabled,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        refused = _refused_by_policy.setdefault(id(context), [])
        context.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        _require_stylesheet(context)
        if not java_script_enabled:
            _contexts_without_js.add(id(context))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        _contexts_without_js.discard(id(context))
        _refused_by_policy.pop(id(context), None)
        context.close()


_stylesheet_checked = False


def _require_stylesheet(context: BrowserContext) -> None:
    """Every page links site.css; without it, contrast and target sizes mean nothing."""
    global _stylesheet_checked
    if _stylesheet_checked:
        return
    response = context.request.get(STYLESHEET)
    if response.status != 200:
        pytest.fail(
            f"{STYLESHEET} answered {response.status}: the static files finders do not find "
            "coproduce/static/ (settings.STATICFILES_DIRS should list it).",
            pytrace=False,
        )
    _stylesheet_checked = True


@pytest.fixture
def page(new_page: Callable[..., Page], viewport: dict[str, int]) -> Page:
    return new_page(viewport=viewport)


# --- Accessibility --------------------------------------------------------------------------


def _run_axe(page: Page) -> list[dict[str, Any]]:
    if page.evaluate("() => typeof window.axe") == "undefined":
        # Evaluated, not added as an inline <script>: the site's policy rightly refuses those.
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        WCAG_TAGS,
    )
    return result["violations"]


def _violations_without_js(page: Page) -> list[dict[str, Any]]:
    """Load the same HTML at the same address and size in a JavaScript context, and check it."""
    html = page.content()
    url = page.url
    assert page.viewport_size is not None
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=page.viewport_size, locale="en-GB")
    try:
        copy = context.new_page()
        copy.route(
            lambda address: address == url,
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        copy.goto(url, timeout=TIMEOUT_MS)
        return _run_axe(copy)
    finally:
        context.close()


def refused_by_policy(page: Page) -> list[str]:
    """What the Content-Security-Policy has blocked so far in this page's browser context."""
    return list(_refused_by_policy.get(id(page.context), []))


def axe_check(page: Page) -> None:
    """Fail the test if axe-core finds a serious or critical WCAG 2.2 AA failure on the page,
    or if the Content-Security-Policy blocked anything the page needed."""
    page.wait_for_load_state("load")
    if refused := refused_by_policy(page):
        pytest.fail(
            f"The Content-Security-Policy blocked something on {page.url}:\n" + "\n".join(refused),
            pytrace=False,
        )
    if id(page.context) in _contexts_without_js:
        violations = _violations_without_js(page)
    else:
        violations = _run_axe(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if failing:
        lines = [f"axe-core found {len(failing)} serious or critical problem(s) on {page.url}:"]
        for violation in failing:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f" [{violation['helpUrl']}]"
            )
            for node in violation["nodes"][:10]:
                target = " ".join(str(part) for part in node["target"])
                lines.append(f"    at {target}: {node.get('failureSummary', '').strip()}")
        pytest.fail("\n".join(lines), pytrace=False)


# --- Navigation -----------------------------------------------------------------------------


def visit(page: Page, url: str) -> None:
    """Open a page (a path is relative to the live server), expect no error, and check it."""
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    assert response.status < 400, f"{url} answered {response.status}"
    axe_check(page)


def _land(page: Page, control: Locator) -> None:
    with page.expect_navigation() as navigation:
        control.click()
    response = navigation.value
    assert response is not None, f"no response after {control}"
    assert response.status < 400, f"{page.url} answered {response.status}"
    axe_check(page)


def submit(page: Page, button: Locator) -> None:
    """Press a form's button, wait for the page the form lands on, expect no error, check it."""
    _land(page, button)


def follow(page: Page, link: Locator) -> None:
    """Follow a link as a person would, expect no error, and check the page it opens."""
    _land(page, link)


# --- People ---------------------------------------------------------------------------------


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now, as allauth computes it."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    # Leave time to type it: a code read in the last seconds of its period may expire unused.
    if time.time() % app_settings.TOTP_PERIOD > app_settings.TOTP_PERIOD - 3:
        time.sleep(3.5)
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def totp_activate(user: Any) -> str:
    """Give a user an authenticator app, as if they had set one up; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


SIGN_IN = re.compile("^sign in$", re.IGNORECASE)


def sign_in(page: Page, email: str, password: str, *, totp_secret: str | None = None) -> None:
    """Sign in through the real form (and the second step, when the person has one)."""
    visit(page, "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    submit(page, page.locator("main").get_by_role("button", name=SIGN_IN))
    if totp_secret is not None:
        assert "/accounts/2fa/authenticate/" in page.url, page.url
        page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(totp_secret))
        submit(page, page.locator("main").get_by_role("button", name=SIGN_IN))
    assert "/accounts/login/" not in page.url, "sign-in was refused"
