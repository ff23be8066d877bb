"""API keys over HTTP: created and shown once, listed without the secret, scoped, expiring,
deleted and revoked; stored only as a hash."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.db import utc_now
from {{ cookiecutter.package_name }}.domains import permissions
from {{ cookiecutter.package_name }}.identity.api_keys import MAX_API_KEYS_PER_USER
from {{ cookiecutter.package_name }}.identity.models import ApiKey

from ..factories import UserFactory, api_key_headers, bearer

KEYS = "/api/v1/users/me/api-keys"
TODOS = "/api/v1/todos"
PUBLIC_FIELDS = {"id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at"}
# What a member (the caller of `auth_headers`) holds, and so may give a key.
MEMBERS = {name: held.description for name, held in permissions().items() if held.member}


def _create(client: TestClient, login: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(
        KEYS, headers=login, json={"name": "ci", "scopes": ["todos:read"], **body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_key_is_shown_once_and_listed_without_its_secret(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    created = _create(client, auth_headers, scopes=["todos:write", "todos:read"])
    assert set(created) == PUBLIC_FIELDS | {"key"}
    assert created["key"].startswith(created["prefix"])
    assert created["scopes"] == ["todos:read", "todos:write"]
    assert created["expires_at"] is None
    assert created["last_used_at"] is None

    [listed] = client.get(KEYS, headers=auth_headers).json()["items"]
    assert set(listed) == PUBLIC_FIELDS
    assert listed == {name: created[name] for name in PUBLIC_FIELDS}
    assert created["key"] not in client.get(KEYS, headers=auth_headers).text


def test_only_the_keys_hash_is_stored(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    key = _create(client, auth_headers)["key"]
    row = session.scalars(select(ApiKey)).one()
    assert key not in {str(value) for value in vars(row).values()}
    assert len(row.key_hash) == 64


def test_its_last_use_is_recorded(client: TestClient, auth_headers: dict[str, str]) -> None:
    key = _create(client, auth_headers)["key"]
    assert client.get(TODOS, headers=bearer(key)).status_code == 200
    [listed] = client.get(KEYS, headers=auth_headers).json()["items"]
    assert listed["last_used_at"] is not None


def test_a_key_reaches_no_route_without_a_scope_of_its_own(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    """The account's settings, sessions and keys need a login: a key cannot make more keys."""
    key = api_key_headers(client, auth_headers, *MEMBERS)
    for method, url in [
        ("GET", "/api/v1/users/me"),
        ("PATCH", "/api/v1/users/me"),
        ("GET", "/api/v1/users/me/sessions"),
        ("GET", KEYS),
        ("POST", KEYS),
    ]:
        answer = client.request(method, url, headers=key, json={})
        assert answer.status_code == 403, (method, url)
        assert answer.json() == {
            "detail": "This request needs a login's access token, not an API key"
        }
        assert answer.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')


def test_scopes_beyond_the_callers_permissions_and_bad_bodies_are_422(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    for scope in ("todos:own", "todos:read-any", "users:manage"):
        refused = client.post(KEYS, headers=auth_headers, json={"name": "x", "scopes": [scope]})
        assert refused.status_code == 422
        [error] = refused.json()["detail"]
        assert error["loc"] == ["body", "scopes"]
        assert error["type"] == "scope_not_held"
        assert scope in error["msg"]
    for body in [
        {"name": "x", "scopes": []},
        {"name": "", "scopes": ["todos:read"]},
        {"name": "x", "scopes": ["todos:read"], "expires_in_days": 0},
        {"name": "x", "scopes": ["todos:read"], "expires_in_days": "7"},
        {"name": "x", "scopes": ["todos:read"], "owner_id": 1},
    ]:
        assert client.post(KEYS, headers=auth_headers, json=body).status_code == 422, body
    assert client.get(KEYS, headers=auth_headers).json() == {"items": []}


def test_the_scopes_a_key_may_have_are_listed(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    listed = client.get(f"{KEYS}/scopes", headers=auth_headers).json()["scopes"]
    assert listed == MEMBERS
    assert {"todos:read", "todos:write", "jobs:read"} <= set(listed)


def test_every_permission_guards_some_route_and_every_route_scope_is_declared(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    used = {
        scope
        for path in document["paths"].values()
        for operation in path.values()
        for requirement in operation.get("security", [])
        for needed in requirement.values()
        for scope in needed
    }
    assert used <= set(permissions())
    # An -any permission widens a route that requires the resource's own (OpenAPI's scopes
    # are all required); every other permission is a route's scope.
    assert {name for name in permissions() if not name.endswith("-any")} <= used


def test_a_deleted_key_stops_working(
    client: TestClient, users: UserFactory, auth_headers: dict[str, str]
) -> None:
    created = _create(client, auth_headers)
    other = users.login_headers(client, users.create())
    assert client.delete(f"{KEYS}/{created['id']}", headers=other).status_code == 404
    assert client.delete(f"{KEYS}/{created['id']}", headers=auth_headers).status_code == 204
    answer = client.get(TODOS, headers=bearer(created["key"]))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    assert client.delete(f"{KEYS}/{created['id']}", headers=auth_headers).status_code == 404


def test_a_revoked_key_stops_working(client: TestClient, auth_headers: dict[str, str]) -> None:
    """Whoever finds a leaked key can revoke it (RFC 7009), without logging in."""
    key = _create(client, auth_headers)["key"]
    assert client.post("/api/v1/auth/revoke", data={"token": key}).status_code == 200
    assert client.get(TODOS, headers=bearer(key)).status_code == 401
    assert client.get(KEYS, headers=auth_headers).json() == {"items": []}


def test_an_expired_key_stops_working(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    created = _create(client, auth_headers, expires_in_days=30)
    assert created["expires_at"] is not None
    assert client.get(TODOS, headers=bearer(created["key"])).status_code == 200
    row = session.get_one(ApiKey, created["id"])
    row.expires_at = utc_now() - timedelta(seconds=1)
    session.commit()
    assert client.get(TODOS, headers=bearer(created["key"])).status_code == 401


def test_a_deactivated_owners_keys_stop_working(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    owner = users.create()
    key = _create(client, users.login_headers(client, owner))["key"]
    owner.is_active = False
    session.commit()
    assert client.get(TODOS, headers=bearer(key)).status_code == 401


def test_an_account_holds_a_bounded_number_of_keys(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    for _ in range(MAX_API_KEYS_PER_USER):
        _create(client, auth_headers)
    refused = client.post(KEYS, headers=auth_headers, json={"name": "x", "scopes": ["todos:read"]})
    assert refused.status_code == 409
    assert "at most" in refused.json()["detail"]


def test_a_key_for_an_export_follows_its_job_with_the_jobs_scope(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    key = api_key_headers(client, auth_headers, "todos:read", "jobs:read")
    started = client.post(f"{TODOS}/export", headers=key)
    assert started.status_code == 202
    assert client.get(started.headers["location"], headers=key).status_code == 200
    reader = api_key_headers(client, auth_headers, "todos:read")
    assert client.get(started.headers["location"], headers=reader).status_code == 403
