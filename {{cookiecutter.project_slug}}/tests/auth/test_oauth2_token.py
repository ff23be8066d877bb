"""The token endpoint as RFC 6749 defines it: grants, answers (§5.1) and errors (§5.2)."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.db import utc_now
from {{ cookiecutter.package_name }}.identity.models import LoginSession, RefreshToken

from ..factories import DEFAULT_PASSWORD, UserFactory, bearer

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/users/me"


def _password_form(email: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": email, "password": password}


def _refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def _oauth2_error(response: Any, error: str) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    description: str = body["error_description"]
    return description


def test_password_grant_answers_per_rfc_6749_5_1(client: TestClient, users: UserFactory) -> None:
    response = client.post(TOKEN, data=_password_form(users.create().email))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60


def test_missing_grant_type_is_invalid_request(client: TestClient, users: UserFactory) -> None:
    form = {"username": users.create().email, "password": DEFAULT_PASSWORD}
    _oauth2_error(client.post(TOKEN, data=form), "invalid_request")


def test_unknown_grant_type_is_unsupported(client: TestClient) -> None:
    _oauth2_error(
        client.post(TOKEN, data={"grant_type": "client_credentials"}), "unsupported_grant_type"
    )


@pytest.mark.parametrize("missing", ["username", "password"])
def test_password_grant_without_a_field_is_invalid_request(
    client: TestClient, missing: str
) -> None:
    form = _password_form("a@example.com")
    del form[missing]
    assert missing in _oauth2_error(client.post(TOKEN, data=form), "invalid_request")


def test_a_repeated_parameter_is_invalid_request(client: TestClient) -> None:
    body = "grant_type=password&username=a%40example.com&password=x&password=y"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(TOKEN, content=body, headers=headers)
    assert "repeated" in _oauth2_error(response, "invalid_request")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "password"}', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"", ""),
    ],
    ids=["json", "broken-multipart", "no-body"],
)
def test_a_body_that_is_not_a_form_is_invalid_request(
    client: TestClient, content: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    _oauth2_error(client.post(TOKEN, content=content, headers=headers), "invalid_request")


def test_a_nul_in_a_field_is_invalid_request(client: TestClient) -> None:
    _oauth2_error(client.post(TOKEN, data=_password_form("a\x00@example.com")), "invalid_request")


def test_a_scope_is_invalid_scope_and_an_empty_one_is_fine(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create()
    scoped = client.post(TOKEN, data={**_password_form(user.email), "scope": "todos:read"})
    _oauth2_error(scoped, "invalid_scope")
    assert client.post(TOKEN, data={**_password_form(user.email), "scope": ""}).status_code == 200


def test_wrong_password_is_invalid_grant(client: TestClient, users: UserFactory) -> None:
    response = client.post(TOKEN, data=_password_form(users.create().email, "wrong password"))
    assert _oauth2_error(response, "invalid_grant") == "Incorrect email or password"


def test_inactive_user_is_invalid_grant(client: TestClient, users: UserFactory) -> None:
    response = client.post(TOKEN, data=_password_form(users.create(is_active=False).email))
    _oauth2_error(response, "invalid_grant")


def test_refresh_rotates_and_the_new_tokens_work(client: TestClient, users: UserFactory) -> None:
    first = users.login(client, users.create())
    response = _refresh(client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 200
    third = _refresh(client, second["refresh_token"])
    assert third.status_code == 200


def test_refresh_tokens_are_stored_only_as_hashes(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    tokens = users.login(client, users.create())
    stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert tokens["refresh_token"] not in stored
    assert len(stored) == 1
    assert len(stored[0]) == 64


def test_reusing_a_spent_refresh_token_ends_its_family(
    client: TestClient, users: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    first = users.login(client, users.create())
    second = _refresh(client, first["refresh_token"]).json()
    with caplog.at_level(logging.WARNING, logger="{{ cookiecutter.package_name }}.identity.security"):
        replay = _refresh(client, first["refresh_token"])
    assert "already used" in _oauth2_error(replay, "invalid_grant")
    [event] = [record for record in caplog.records if getattr(record, "event", None)]
    assert event.event == "refresh_token_reuse"  # type: ignore[attr-defined]
    assert first["refresh_token"] not in caplog.text
    assert second["refresh_token"] not in caplog.text
    # The whole family is dead: the token handed out after the spent one, and its access token.
    _oauth2_error(_refresh(client, second["refresh_token"]), "invalid_grant")
    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 401


def test_an_unknown_refresh_token_is_invalid_grant(client: TestClient) -> None:
    _oauth2_error(_refresh(client, "not-a-token"), "invalid_grant")


def test_refresh_without_the_token_is_invalid_request(client: TestClient) -> None:
    _oauth2_error(client.post(TOKEN, data={"grant_type": "refresh_token"}), "invalid_request")


@pytest.mark.parametrize(
    ("column", "days"),
    [(LoginSession.last_used_at, 15), (LoginSession.created_at, 61)],
    ids=["idle", "absolute"],
)
def test_a_lapsed_session_cannot_refresh(
    client: TestClient, users: UserFactory, session: Session, column: Any, days: int
) -> None:
    tokens = users.login(client, users.create())
    session.execute(update(LoginSession).values({column: utc_now() - timedelta(days=days)}))
    session.commit()
    _oauth2_error(_refresh(client, tokens["refresh_token"]), "invalid_grant")
    assert session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_deactivated_user_cannot_refresh(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create()
    tokens = users.login(client, user)
    user.is_active = False
    session.commit()
    _oauth2_error(_refresh(client, tokens["refresh_token"]), "invalid_grant")


def test_the_openapi_document_describes_the_token_endpoint(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][TOKEN]["post"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["grant_type"]["enum"] == ["password", "refresh_token"]
    assert {"username", "password", "refresh_token", "scope"} <= set(form["properties"])
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    error = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert ok.endswith("/Token")
    assert error.endswith("/TokenError")
