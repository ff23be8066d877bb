"""The audit trail over HTTP: each audited action leaves exactly one event, with who, what,
which row and the request's id; a refused change leaves none; only `audit:read` reads it, and
nothing in the API changes or deletes an event."""

from typing import Any

import pyotp
from fastapi.testclient import TestClient

from ..factories import TodoFactory, UserFactory, api_key_headers

EVENTS = "/api/v1/audit-events"
TOKEN = "/api/v1/auth/token"


def _events(client: TestClient, auditor: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    response = client.get(EVENTS, headers=auditor, params=filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _actions(client: TestClient, auditor: dict[str, str]) -> list[str]:
    return [event["action"] for event in reversed(_events(client, auditor, limit=100))]


def test_role_and_account_changes_leave_one_event_each(
    client: TestClient, users: UserFactory
) -> None:
    root = users.create(roles=("admin",))
    admin = users.login_headers(client, root)
    ada = users.create()
    made = client.post(
        "/api/v1/roles",
        headers=admin,
        json={"name": "support", "permissions": ["users:manage"]},
    ).json()
    client.patch(f"/api/v1/roles/{made['id']}", headers=admin, json={"description": "Desk"})
    client.put(f"/api/v1/users/{ada.id}/roles", headers=admin, json={"roles": ["support"]})
    client.delete(f"/api/v1/roles/{made['id']}", headers=admin)
    client.patch(f"/api/v1/users/{ada.id}", headers=admin, json={"is_active": False})
    client.delete(f"/api/v1/users/{ada.id}", headers=admin)
    assert _actions(client, admin) == [
        "auth.login",
        "role.created",
        "role.updated",
        "user.roles_changed",
        "role.deleted",
        "user.deactivated",
        "user.deleted",
    ]
    [changed] = _events(client, admin, action="user.roles_changed")
    assert changed["actor_id"] == root.id
    assert (changed["target_type"], changed["target_id"]) == ("users", ada.id)
    assert changed["details"] == {"before": ["member"], "after": ["support"]}
    assert changed["request_id"]


def test_a_refused_change_leaves_no_event(client: TestClient, users: UserFactory) -> None:
    root = users.create(roles=("admin",))
    admin = users.login_headers(client, root)
    demoted = client.put(f"/api/v1/users/{root.id}/roles", headers=admin, json={"roles": []})
    assert demoted.status_code == 409
    taken = {"name": "member", "permissions": []}
    assert client.post("/api/v1/roles", headers=admin, json=taken).status_code == 409
    assert _actions(client, admin) == ["auth.login"]


def test_logins_failed_logins_mfa_sessions_and_keys_are_recorded(
    client: TestClient, users: UserFactory
) -> None:
    auditor = users.login_headers(client, users.create(roles=("admin",)))
    ada = users.create(email="ada@example.com")
    wrong = {"grant_type": "password", "username": ada.email, "password": "wrong password"}
    assert client.post(TOKEN, data=wrong).status_code == 400
    login = users.login_headers(client, ada)
    secret = client.post("/api/v1/users/me/totp", headers=login).json()["secret"]
    code = pyotp.TOTP(secret).now()
    client.post("/api/v1/users/me/totp/confirm", headers=login, json={"code": code})
    client.request("DELETE", "/api/v1/users/me/totp", headers=login, json={"code": "999999"})
    key = api_key_headers(client, login, "todos:read")
    [listed] = client.get("/api/v1/users/me/api-keys", headers=login).json()["items"]
    client.delete(f"/api/v1/users/me/api-keys/{listed['id']}", headers=login)
    assert client.get("/api/v1/todos", headers=key).status_code == 401
    client.post("/api/v1/users/me/sessions/end-others", headers=login)
    [session] = client.get("/api/v1/users/me/sessions", headers=login).json()["items"]
    client.delete(f"/api/v1/users/me/sessions/{session['id']}", headers=login)
    events = _events(client, auditor, actor_id=ada.id, limit=100)
    assert [event["action"] for event in reversed(events)] == [
        "auth.login_failed",
        "auth.login",
        "totp.enabled",
        "api_key.deleted",
        "sessions.ended_others",
        "session.ended",
    ]
    assert events[-1]["details"] == {"email": "ada@example.com"}


def test_only_audit_read_reads_the_trail_and_nothing_changes_it(
    client: TestClient, users: UserFactory
) -> None:
    member = users.login_headers(client, users.create())
    refused = client.get(EVENTS, headers=member)
    assert refused.json() == {"detail": "This request needs the permission audit:read"}
    admin = users.login_headers(client, users.create(roles=("admin",)))
    event = _events(client, admin)[0]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, EVENTS, headers=admin).status_code == 405
        assert client.request(method, f"{EVENTS}/{event['id']}", headers=admin).status_code in (
            404,
            405,
        )
    assert client.get(EVENTS, headers=admin, params={"target_id": 0}).status_code == 422
    assert _events(client, admin, action="no.such") == []


def test_deleting_someone_elses_row_is_recorded_and_ones_own_is_not(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    root = users.create(roles=("admin",))
    admin = users.login_headers(client, root)
    owner = users.create()
    theirs, mine = todos.create(owner), todos.create(root)
    assert client.delete(f"/api/v1/todos/{theirs.id}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/todos/{mine.id}", headers=admin).status_code == 204
    [deleted] = _events(client, admin, action="todos.deleted")
    assert (deleted["actor_id"], deleted["target_id"]) == (root.id, theirs.id)
    assert deleted["details"] == {"owner": owner.id}
