"""The interactive docs of a served bake in a real browser (Debian's chromium, driven by
Playwright): Swagger UI and ReDoc render the API's operations, Swagger UI's "Authorize" logs
in, and not one request leaves the app's origin (the docs must work without internet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .baked_project import InstalledProject
from .browser import Traffic
from .conftest import variant

# The defaults' xdist group: the bake the other tests of the defaults use is installed once.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

ADMIN_EMAIL = "docs@example.com"
ADMIN_PASSWORD = "the docs reader's own password"


@pytest.fixture(scope="module")
def base_url(project: InstalledProject, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bake served by gunicorn with its defaults, on SQLite, with one superuser."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('docs-db') / 'app.db'}"
    with project.gunicorn_with_superuser(database_url, ADMIN_EMAIL, ADMIN_PASSWORD) as server:
        yield server.base_url


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
