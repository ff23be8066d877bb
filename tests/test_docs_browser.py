"""The interactive docs of a served bake in a real browser (Debian's chromium, driven by
Playwright): Swagger UI and ReDoc render the API's operations, Swagger UI's "Authorize" logs
in, and not one request leaves the app's origin (the docs must work without internet)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .baked_project import InstalledProject
from .conftest import variant

# The defaults' xdist group: the bake the other tests of the defaults use is installed once.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

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
ADMIN_EMAIL = "docs@example.com"
ADMIN_PASSWORD = "the docs reader's own password"
RENDER_TIMEOUT_MS = 30_000


@dataclass
class Traffic:
    """What a page did: requests to the served origin pass, all others are aborted and kept."""

    origin: str
    local: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

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
                f"JavaScript errors: {self.errors}"
            )

    def assert_stayed_local(self, page: Page, *paths: str) -> None:
        """Once the page is idle: nothing left the origin, no script failed, and `paths`
        were loaded from the app."""
        page.wait_for_load_state("networkidle")
        assert not self.blocked, f"requests that left {self.origin}: {self.blocked}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
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


@pytest.fixture(scope="module")
def base_url(project: InstalledProject, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bake served by gunicorn with its defaults, on SQLite, with one superuser."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('docs-db') / 'app.db'}"
    project.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
    project.run(
        project.path.name,  # the console script is named after the project
        "create-superuser",
        "--email",
        ADMIN_EMAIL,
        DATABASE_URL=database_url,
        SUPERUSER_PASSWORD=ADMIN_PASSWORD,
    )
    with project.gunicorn(DATABASE_URL=database_url) as server:
        yield server.base_url


@pytest.fixture
def traffic(base_url: str) -> Traffic:
    return Traffic(origin=base_url)


@pytest.fixture
def page(browser: Browser, base_url: str, traffic: Traffic) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    page.route("**/*", traffic.route)
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))
    yield page
    context.close()


def test_swagger_ui_renders_the_operations_from_local_assets(
    page: Page, traffic: Traffic, tmp_path: Path
) -> None:
    page.goto("/docs")
    todos = page.locator(
        ".opblock", has=page.locator(".opblock-summary-path[data-path^='/api/v1/todos']")
    )
    traffic.wait_for(todos.first)
    page.screenshot(path=tmp_path / "swagger-ui.png", full_page=True)
    assert todos.count() > 0
    traffic.assert_stayed_local(page, "/swagger-ui-bundle.js", "/swagger-ui.css", "/openapi.json")


def test_swagger_ui_authorizes_and_calls_the_api(
    page: Page, traffic: Traffic, tmp_path: Path
) -> None:
    page.goto("/docs")
    traffic.wait_for(page.locator("button.authorize"))
    page.click("button.authorize")
    page.fill("#oauth_username", ADMIN_EMAIL)
    page.fill("#oauth_password", ADMIN_PASSWORD)
    page.click(".auth-btn-wrapper button.authorize")
    page.locator(".auth-btn-wrapper button", has_text="Logout").wait_for()
    page.click(".auth-btn-wrapper button.btn-done")

    me = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/users/me']"))
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    status = me.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    page.screenshot(path=tmp_path / "swagger-ui-authorized.png", full_page=True)
    assert status.inner_text().strip() == "200"
    assert ADMIN_EMAIL in me.locator(".live-responses-table tbody").inner_text()
    traffic.assert_stayed_local(page, "/api/v1/auth/token", "/api/v1/users/me")


def test_redoc_renders_the_operations_from_local_assets(
    page: Page, traffic: Traffic, tmp_path: Path
) -> None:
    page.goto("/redoc")
    operations = page.locator("[data-section-id^='operation/']")
    traffic.wait_for(operations.first)
    page.screenshot(path=tmp_path / "redoc.png")
    assert operations.filter(has_text="/api/v1/todos").count() > 0
    traffic.assert_stayed_local(page, "/redoc.standalone.js", "/openapi.json")
