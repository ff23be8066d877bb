"""A standard OAuth2 client against a served bake: authlib's OAuth2Session (an RFC 6749 / 7009
implementation) talks to the defaults bake served by gunicorn on PostgreSQL. Nothing is mocked:
what authlib accepts, raises and sends is what any conforming client library would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .baked_project import PASSWORD, TEST_SECRET_KEY, InstalledProject
from .conftest import variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

TOKEN = "/api/v1/auth/token"
REVOKE = "/api/v1/auth/revoke"
ME = "/api/v1/users/me"


@dataclass(frozen=True)
class Server:
    base_url: str
    email: str

    def session(self) -> OAuth2Session:
        """A public client (no secret), as a mobile or command-line app is."""
        return OAuth2Session(client_id="cli", token_endpoint_auth_method="none")

    def log_in(self, password: str = PASSWORD) -> OAuth2Session:
        client = self.session()
        client.fetch_token(self.base_url + TOKEN, username=self.email, password=password)
        return client

    def refresh(self, client: OAuth2Session, refresh_token: str) -> dict[str, object]:
        token: dict[str, object] = client.refresh_token(
            self.base_url + TOKEN, refresh_token=refresh_token
        )
        return token


@pytest.fixture
def server(project: InstalledProject, migrated_database: str) -> Iterator[Server]:
    with project.serve(
        DATABASE_URL=migrated_database, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as api:
        email = "oauth2@example.com"
        registered = api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        yield Server(base_url=str(api.base_url).rstrip("/"), email=email)


def test_password_grant_refresh_and_reuse_detection(server: Server) -> None:
    client = server.log_in()
    token = client.token
    assert token["token_type"] == "bearer"
    assert int(token["expires_in"]) == 15 * 60
    assert client.get(server.base_url + ME).json()["email"] == server.email

    first_refresh = str(token["refresh_token"])
    renewed = server.refresh(client, first_refresh)
    assert renewed["refresh_token"] != first_refresh
    assert client.get(server.base_url + ME).status_code == 200  # with the new access token

    # The spent refresh token comes back (it was copied): the whole family ends.
    with pytest.raises(OAuthError) as replay:
        server.refresh(server.session(), first_refresh)
    assert replay.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as after_replay:
        server.refresh(server.session(), str(renewed["refresh_token"]))
    assert after_replay.value.error == "invalid_grant"
    dead = client.get(server.base_url + ME)
    assert dead.status_code == 401
    assert 'error="invalid_token"' in dead.headers["WWW-Authenticate"]


def test_revocation_ends_the_session(server: Server) -> None:
    client = server.log_in()
    refresh_token = str(client.token["refresh_token"])
    revoked = client.revoke_token(
        server.base_url + REVOKE, token=refresh_token, token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    assert client.get(server.base_url + ME).status_code == 401
    with pytest.raises(OAuthError) as refused:
        server.refresh(server.session(), refresh_token)
    assert refused.value.error == "invalid_grant"
    # An unknown token is revoked with the same 200 (RFC 7009 §2.2).
    unknown = client.revoke_token(server.base_url + REVOKE, token="never-issued")
    assert unknown.status_code == 200


def test_a_wrong_password_is_an_oauth_error_not_a_token(server: Server) -> None:
    with pytest.raises(OAuthError) as refused:
        server.log_in(password="not the password")
    assert refused.value.error == "invalid_grant"
    assert refused.value.description == "Incorrect email or password"


def test_an_unsupported_grant_type_is_named(server: Server) -> None:
    answer = httpx.post(server.base_url + TOKEN, data={"grant_type": "client_credentials"})
    assert answer.status_code == 400
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json()["error"] == "unsupported_grant_type"


def test_an_api_key_is_a_bearer_token_within_its_scopes(server: Server) -> None:
    login = server.log_in()
    created = login.post(
        server.base_url + "/api/v1/users/me/api-keys",
        json={"name": "reporting", "scopes": ["todos:read"], "expires_in_days": 7},
    )
    assert created.status_code == 201, created.text
    machine = OAuth2Session(token={"access_token": created.json()["key"], "token_type": "bearer"})

    assert machine.get(server.base_url + "/api/v1/todos").status_code == 200
    refused = machine.post(server.base_url + "/api/v1/todos", json={"title": "no"})
    assert refused.status_code == 403
    assert refused.headers["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')
    assert 'scope="todos:write"' in refused.headers["WWW-Authenticate"]
    assert machine.get(server.base_url + ME).status_code == 403  # the account needs a login

    revoked = login.revoke_token(server.base_url + REVOKE, token=created.json()["key"])
    assert revoked.status_code == 200
    assert machine.get(server.base_url + "/api/v1/todos").status_code == 401
    assert login.get(server.base_url + "/api/v1/users/me/api-keys").json() == {"items": []}
