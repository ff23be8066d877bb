"""Browser mode (REFRESH_TOKEN_COOKIE): the refresh token travels in an HttpOnly, Secure,
SameSite=Strict cookie scoped to the token endpoint, and a refresh with the cookie must come
from a trusted origin. Chromium runs the same flow in the template's tests."""

from http.cookies import Morsel, SimpleCookie

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from ..conftest import ClientFactory
from ..factories import DEFAULT_PASSWORD, UserFactory, bearer

TOKEN = "/api/v1/auth/token"
REVOKE = "/api/v1/auth/revoke"
ME = "/api/v1/users/me"
OWN_ORIGIN = {"Origin": "http://testserver"}
REFRESH = {"grant_type": "refresh_token"}


@pytest.fixture
def browser_client(client_with: ClientFactory) -> TestClient:
    return client_with(refresh_token_cookie=True, cors_origins=["https://app.example.com"])


def _refresh_cookie(response: Response) -> Morsel[str]:
    cookie: SimpleCookie = SimpleCookie(response.headers["set-cookie"])
    return cookie["refresh_token"]


def _log_in(client: TestClient, users: UserFactory) -> Response:
    form = {
        "grant_type": "password",
        "username": users.create().email,
        "password": DEFAULT_PASSWORD,
    }
    response = client.post(TOKEN, data=form)
    assert response.status_code == 200, response.text
    return response


def _with_cookie(refresh_token: str, **headers: str) -> dict[str, str]:
    """The headers a browser sends (httpx keeps Secure cookies for HTTPS, and the test
    client speaks HTTP)."""
    return {"Cookie": f"refresh_token={refresh_token}", **headers}


def test_the_refresh_token_is_in_an_http_only_cookie_not_the_body(
    browser_client: TestClient, users: UserFactory
) -> None:
    response = _log_in(browser_client, users)
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
    cookie = _refresh_cookie(response)
    assert len(cookie.value) == 43
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "strict"
    assert cookie["path"] == TOKEN
    assert cookie["max-age"] == str(14 * 24 * 60 * 60)
    assert browser_client.get(ME, headers=bearer(response.json()["access_token"])).is_success


def test_a_refresh_from_this_site_rotates_the_cookie(
    browser_client: TestClient, users: UserFactory
) -> None:
    first = _refresh_cookie(_log_in(browser_client, users)).value
    renewed = browser_client.post(TOKEN, data=REFRESH, headers=_with_cookie(first, **OWN_ORIGIN))
    assert renewed.status_code == 200, renewed.text
    assert "refresh_token" not in renewed.json()
    second = _refresh_cookie(renewed).value
    assert second != first
    # The spent cookie presented again is a replay: the session ends, the new cookie with it.
    replayed = browser_client.post(TOKEN, data=REFRESH, headers=_with_cookie(first, **OWN_ORIGIN))
    assert replayed.json()["error"] == "invalid_grant"
    after = browser_client.post(TOKEN, data=REFRESH, headers=_with_cookie(second, **OWN_ORIGIN))
    assert after.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "https://testserver"},  # another scheme is another origin
    ],
    ids=["no-origin", "null-origin", "other-origin", "other-referer", "other-scheme"],
)
def test_a_refresh_with_the_cookie_from_elsewhere_is_refused(
    browser_client: TestClient, users: UserFactory, headers: dict[str, str]
) -> None:
    refresh_token = _refresh_cookie(_log_in(browser_client, users)).value
    refused = browser_client.post(
        TOKEN, data=REFRESH, headers=_with_cookie(refresh_token, **headers)
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    assert "set-cookie" not in refused.headers
    # Nothing was spent: the same cookie still refreshes from this site.
    again = browser_client.post(
        TOKEN, data=REFRESH, headers=_with_cookie(refresh_token, **OWN_ORIGIN)
    )
    assert again.status_code == 200


def test_a_cors_origin_and_a_same_site_referer_are_trusted(
    browser_client: TestClient, users: UserFactory
) -> None:
    token = _refresh_cookie(_log_in(browser_client, users)).value
    for headers in ({"Origin": "https://app.example.com"}, {"Referer": "http://testserver/app"}):
        renewed = browser_client.post(TOKEN, data=REFRESH, headers=_with_cookie(token, **headers))
        assert renewed.status_code == 200, headers
        token = _refresh_cookie(renewed).value


def test_a_refresh_without_cookie_or_parameter_is_invalid_grant(
    browser_client: TestClient,
) -> None:
    answer = browser_client.post(TOKEN, data=REFRESH, headers=OWN_ORIGIN)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_logging_out_ends_the_session_and_clears_the_cookie(
    browser_client: TestClient, users: UserFactory
) -> None:
    login = _log_in(browser_client, users)
    refresh_token = _refresh_cookie(login).value
    access_token = login.json()["access_token"]
    revoked = browser_client.post(REVOKE, data={"token": access_token})
    assert revoked.status_code == 200
    cleared = _refresh_cookie(revoked)
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert cleared["path"] == TOKEN
    after = browser_client.post(
        TOKEN, data=REFRESH, headers=_with_cookie(refresh_token, **OWN_ORIGIN)
    )
    assert after.json()["error"] == "invalid_grant"


def test_without_browser_mode_the_refresh_token_is_in_the_body_and_no_cookie_is_set(
    client: TestClient, users: UserFactory
) -> None:
    response = _log_in(client, users)
    assert "refresh_token" in response.json()
    assert "set-cookie" not in response.headers
