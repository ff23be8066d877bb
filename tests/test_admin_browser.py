"""The admin site of a served bake (gunicorn, PostgreSQL) in a real browser: a regular user
cannot log in; a superuser made with the project's own CLI creates a todo for another user,
finds it by search, edits it and deletes it, and the API sees each change. The todo list's
screenshot is kept in the artifacts folder (TEMPLATE_TEST_ARTIFACTS, else a temporary one);
scripts/admin_screenshot.sh copies it into the template for the baked README."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .baked_project import PASSWORD, InstalledProject, register_and_login
from .browser import Traffic
from .conftest import variant
from .postgres import PostgresServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

ARTIFACTS_ENV = "TEMPLATE_TEST_ARTIFACTS"
SCREENSHOT = "admin-todos.png"
SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "the administrator's own password"
USER_EMAIL = "someone@example.com"
# A few todos of the user's own, so the list (and its screenshot) shows more than one row.
EXISTING_TITLES = ("Renew the passport", "Book the dentist", "Plan the garden")


@pytest.fixture(scope="module")
def base_url(project: InstalledProject, postgres: PostgresServer) -> Iterator[str]:
    """The bake served by gunicorn on PostgreSQL, with a superuser made by its CLI."""
    database_url = postgres.create_database("admin")
    with project.gunicorn_with_superuser(
        database_url, SUPERUSER_EMAIL, SUPERUSER_PASSWORD
    ) as running:
        yield running.base_url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    """The API, as the regular user (registered through it) who owns some todos."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.headers.update(register_and_login(client, USER_EMAIL))
        for title in EXISTING_TITLES:
            assert client.post("/api/v1/todos", json={"title": title}).status_code == 201
        yield client


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path_factory.mktemp("artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _log_in(page: Page, email: str, password: str) -> None:
    page.goto("/admin/login")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def _todo_titles(api: httpx.Client) -> dict[str, bool]:
    response = api.get("/api/v1/todos", params={"limit": 100})
    assert response.status_code == 200, response.text
    return {todo["title"]: todo["completed"] for todo in response.json()["items"]}


def test_a_regular_user_cannot_log_in(page: Page, traffic: Traffic, api: httpx.Client) -> None:
    _log_in(page, USER_EMAIL, PASSWORD)
    traffic.wait_for(page.get_by_text("Invalid credentials.").first)
    assert page.url.endswith("/admin/login")
    page.goto("/admin/todo/list")
    assert page.url.endswith("/admin/login")
    traffic.assert_stayed_local(page)


def test_a_superuser_creates_finds_edits_and_deletes_a_todo_of_another_user(
    page: Page, traffic: Traffic, api: httpx.Client, artifacts: Path
) -> None:
    _log_in(page, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    traffic.wait_for(page.get_by_role("link", name="Todos"))

    page.goto("/admin/todo/create")
    page.fill("#title", "Water the plants")
    page.select_option("#owner_id", label=USER_EMAIL)
    page.click("input[type=submit][value=Save]")
    page.wait_for_url("**/admin/todo/list")
    assert _todo_titles(api).get("Water the plants") is False
    traffic.wait_for(page.get_by_role("cell", name="Water the plants"))
    page.screenshot(path=artifacts / SCREENSHOT)

    page.fill("#search-input", "plants")
    page.click("#search-button")
    page.wait_for_url("**search=plants**")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    rows.first.locator("a[href*='/admin/todo/edit/']").click()

    page.fill("#title", "Water the garden")
    page.check("#completed")
    page.click("input[type=submit][value=Save]")
    page.wait_for_url("**/admin/todo/list**")
    titles = _todo_titles(api)
    assert titles.get("Water the garden") is True
    assert "Water the plants" not in titles

    page.fill("#search-input", "garden")
    page.click("#search-button")
    page.wait_for_url("**search=garden**")
    page.locator("table tbody tr").first.locator("a[href*='/admin/todo/details/']").click()
    page.get_by_role("link", name="Delete").click()
    # The modal gives its button the row's address once it is shown.
    expect(page.locator("#modal-delete-text")).to_contain_text("permanently delete")
    page.click("#modal-delete-button")
    page.wait_for_url("**/admin/todo/list**")
    assert set(_todo_titles(api)) == set(EXISTING_TITLES)
    traffic.assert_stayed_local(page, "/admin/statics/js/main.js")
