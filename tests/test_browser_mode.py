"""Browser mode (REFRESH_TOKEN_COOKIE=true) in a real browser: Debian's chromium, driven by
Playwright, logs in and refreshes with `fetch` from a page of the served bake, as a
single-page app would. The refresh token stays in a cookie scripts cannot read, the browser
sends it back to the token endpoint alone, and a cross-site page cannot spend it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from .baked_project import PASSWORD, InstalledProject
from .browser import REPORT_CSP_VIOLATIONS, Traffic
from .conftest import variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

EMAIL = "browser@example.com"
TOKEN = "/api/v1/auth/token"
# What a single-page app's scripts do: forms to the token endpoint, with the cookie. The
# docs page that runs them says `Referrer-Policy: no-referrer`, which would make the
# browser send `Origin: null`; an app's own pages keep the browsers' default policy.
TOKEN_REQUEST = """async (fields) => {
    const answer = await fetch("/api/v1/auth/token", {
        method: "POST",
        body: new URLSearchParams(fields),
        credentials: "same-origin",
        referrerPolicy: "strict-origin-when-cross-origin",
    });
    return {status: answer.status, body: await answer.json()};
}"""
ME = """async (token) => (await fetch("/api/v1/users/me", {
    headers: {Authorization: `Bearer ${token}`},
})).status"""


@pytest.fixture(scope="module")
def origin(project: InstalledProject, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bake served in browser mode on SQLite, with one account, at `localhost` (where
    browsers keep Secure cookies without HTTPS)."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('browser-mode-db') / 'app.db'}"
    project.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
    with project.gunicorn(DATABASE_URL=database_url, REFRESH_TOKEN_COOKIE="true") as server:
        registered = httpx.post(
            f"{server.base_url}/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        yield f"http://localhost:{server.port}"


@pytest.fixture
def context(browser: Browser, origin: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=origin)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    yield context
    context.close()


def _refresh_cookie(context: BrowserContext) -> dict[str, Any]:
    [cookie] = [dict(c) for c in context.cookies() if c["name"] == "refresh_token"]
    return cookie


def test_the_refresh_token_lives_in_a_cookie_the_page_cannot_read(
    context: BrowserContext, origin: str
) -> None:
    traffic = Traffic(origin=origin)
    page = context.new_page()
    page.on("console", traffic.console)
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))
    page.goto("/docs")

    login = page.evaluate(
        TOKEN_REQUEST, {"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    )
    assert login["status"] == 200, login
    assert set(login["body"]) == {"access_token", "token_type", "expires_in"}
    cookie = _refresh_cookie(context)
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == TOKEN
    assert "refresh_token" not in page.evaluate("document.cookie")

    refreshed = page.evaluate(TOKEN_REQUEST, {"grant_type": "refresh_token"})
    assert refreshed["status"] == 200, refreshed
    assert _refresh_cookie(context)["value"] != cookie["value"]
    assert page.evaluate(ME, refreshed["body"]["access_token"]) == 200
    assert not traffic.errors, traffic.errors
    assert not traffic.refused_by_policy, traffic.refused_by_policy


def test_a_page_of_another_site_cannot_spend_the_cookie(
    context: BrowserContext, origin: str
) -> None:
    page = context.new_page()
    page.goto("/docs")
    login = page.evaluate(
        TOKEN_REQUEST, {"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    )
    assert login["status"] == 200, login
    before = _refresh_cookie(context)["value"]

    # A page of another site (about:blank's origin is opaque) posts a form to the token
    # endpoint, as a forged request would.
    attacker = context.new_page()
    attacker.set_content(
        f'<form method="post" action="{origin}{TOKEN}">'
        '<input name="grant_type" value="refresh_token"></form>'
    )
    with attacker.expect_navigation():
        attacker.evaluate("document.forms[0].submit()")
    assert json.loads(attacker.inner_text("body"))["error"] in {"invalid_grant", "invalid_request"}
    # Had the browser sent the cookie and the server taken it, it would have been rotated.
    assert _refresh_cookie(context)["value"] == before
    refreshed = page.evaluate(TOKEN_REQUEST, {"grant_type": "refresh_token"})
    assert refreshed["status"] == 200, refreshed
