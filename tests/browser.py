"""Fixtures for tests in a real browser: Debian's chromium driven by Playwright (never
`playwright install`, which downloads one), and a record of what each page loaded, so a test
can assert that nothing left the app's origin, no script failed and the page's
Content-Security-Policy refused nothing. tests/conftest.py loads them; a test module provides
`base_url`, the served app's origin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Debian's package; `playwright install` would download a browser, which CI cannot do.
CHROMIUM = Path("/usr/bin/chromium")
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
RENDER_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 720}  # wide enough for the admin's list and filters
# Each `securitypolicyviolation` event is written to the console with this mark (an init
# script runs before the page's own and is not subject to its policy); chromium also writes
# a "...violates the following Content Security Policy directive" error of its own.
CSP_VIOLATION = "CSP violation:"
REPORT_CSP_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", (event) => console.error(
    `{CSP_VIOLATION} ${{event.effectiveDirective}} refused ${{event.blockedURI}}` +
    ` at ${{event.sourceFile}}:${{event.lineNumber}}`
));
"""


@dataclass
class Traffic:
    """What a page did: requests to the served origin pass, all others are aborted and kept;
    so are uncaught script errors and what the page's Content-Security-Policy refused."""

    origin: str
    local: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused_by_policy: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith(CSP_VIOLATION) or "Content Security Policy" in text:
            self.refused_by_policy.append(text)

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            self.local.append(parts.path)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def wait_for(self, locator: Locator) -> None:
        """Wait for `locator` to render; if it does not, say what the page could not load."""
        try:
            locator.wait_for()
        except PlaywrightTimeoutError:
            pytest.fail(
                f"{locator} did not render; requests that left {self.origin}: {self.blocked}; "
                f"JavaScript errors: {self.errors}; refused by the page's Content-Security-"
                f"Policy: {self.refused_by_policy}"
            )

    def assert_stayed_local(self, page: Page, *paths: str) -> None:
        """Once the page is idle: nothing left the origin, no script failed, the policy
        refused nothing, and `paths` were loaded from the app."""
        page.wait_for_load_state("networkidle")
        assert not self.blocked, f"requests that left {self.origin}: {self.blocked}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        assert not self.refused_by_policy, f"refused by the policy: {self.refused_by_policy}"
        missing = [path for path in paths if not any(p.endswith(path) for p in self.local)]
        assert not missing, f"not loaded from the app: {missing}; loaded: {self.local}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "never `playwright install`, which downloads a browser"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def traffic(base_url: str) -> Traffic:
    """What the page does; a module using these fixtures defines `base_url`, the origin."""
    return Traffic(origin=base_url)


@pytest.fixture
def page(browser: Browser, traffic: Traffic) -> Iterator[Page]:
    """A page in a fresh context (no cookies) on the origin, watched by `traffic`."""
    context = browser.new_context(base_url=traffic.origin, viewport=VIEWPORT)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    page.route("**/*", traffic.route)
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))
    page.on("console", traffic.console)
    yield page
    context.close()
