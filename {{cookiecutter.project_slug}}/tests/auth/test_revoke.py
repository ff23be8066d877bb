"""Token revocation (RFC 7009), and RFC 6750's challenges on the resources."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.security import TokenPurpose, create_token

from ..factories import UserFactory, bearer

REVOKE = "/api/v1/auth/revoke"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/users/me"


def _refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def test_revoking_a_refresh_token_ends_its_session(client: TestClient, users: UserFactory) -> None:
    tokens = users.login(client, users.create())
    response = client.post(REVOKE, data={"token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert _refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401


def test_revoking_an_access_token_ends_its_session(client: TestClient, users: UserFactory) -> None:
    tokens = users.login(client, users.create())
    form = {"token": tokens["access_token"], "token_type_hint": "access_token"}
    assert client.post(REVOKE, data=form).status_code == 200
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    assert _refresh(client, tokens["refresh_token"]).status_code == 400


def test_revoking_ends_only_that_session(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    here, there = users.login(client, user), users.login(client, user)
    client.post(REVOKE, data={"token": there["refresh_token"]})
    assert client.get(ME, headers=bearer(here["access_token"])).status_code == 200


def test_an_unknown_token_is_revoked_with_200(client: TestClient) -> None:
    response = client.post(REVOKE, data={"token": "never-issued", "token_type_hint": "whatever"})
    assert response.status_code == 200


def test_revocation_without_a_token_is_invalid_request(client: TestClient) -> None:
    response = client.post(REVOKE, data={"token_type_hint": "refresh_token"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_no_credentials_get_a_bare_bearer_challenge(client: TestClient) -> None:
    """RFC 6750 §3.1: a request without credentials gets no error code."""
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated"}


def test_a_bad_token_gets_invalid_token(client: TestClient) -> None:
    response = client.get(ME, headers=bearer("not-a-jwt"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token", ')
    assert "error_description=" in response.headers["WWW-Authenticate"]
    assert response.json() == {"detail": "Could not validate credentials"}


def test_an_access_token_without_a_session_is_refused(
    client: TestClient, users: UserFactory, settings: Any
) -> None:
    """Tokens signed before sessions existed (no `sid`) no longer open the API."""
    user = users.create()
    token = create_token(
        TokenPurpose.ACCESS,
        str(user.id),
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=5),
    )
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
