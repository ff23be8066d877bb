"""Roles over HTTP: what a member may not do until a role allows it, and may not do again the
request after it is taken away; roles made, changed and deleted at run time, the built-in ones
fixed; the last active admin kept; API keys never beyond their owner; every permission listed."""

from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.domains import permissions
from {{ cookiecutter.package_name }}.users.models import User

from ..factories import TodoFactory, UserFactory, api_key_headers

ROLES = "/api/v1/roles"
USERS = "/api/v1/users"


def _roles_of(user: User) -> str:
    return f"{USERS}/{user.id}/roles"


def _make_role(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(ROLES, headers=admin, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _admin(client: TestClient, users: UserFactory) -> dict[str, str]:
    return users.login_headers(client, users.create(roles=("admin",)))


def test_a_member_is_refused_until_granted_a_role_and_again_once_it_is_revoked(
    client: TestClient, users: UserFactory
) -> None:
    admin = _admin(client, users)
    member = users.create()
    headers = users.login_headers(client, member)
    refused = client.get(USERS, headers=headers)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This request needs the permission users:manage"}
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="insufficient_scope"')
    assert 'scope="users:manage"' in challenge

    _make_role(client, admin, name="support", permissions=["users:manage"])
    granted = client.put(_roles_of(member), headers=admin, json={"roles": ["member", "support"]})
    assert granted.status_code == 200, granted.text
    assert granted.json()["roles"] == ["member", "support"]
    assert client.get(USERS, headers=headers).status_code == 200  # the same token

    revoked = client.put(_roles_of(member), headers=admin, json={"roles": ["member"]})
    assert revoked.json()["roles"] == ["member"]
    assert client.get(USERS, headers=headers).status_code == 403


def test_changing_a_roles_permissions_applies_to_its_holders_next_request(
    client: TestClient, users: UserFactory
) -> None:
    admin = _admin(client, users)
    role = _make_role(client, admin, name="support", permissions=["users:manage"])
    holder = users.login_headers(client, users.create(roles=("member", "support")))
    assert client.get(USERS, headers=holder).status_code == 200
    changed = client.patch(f"{ROLES}/{role['id']}", headers=admin, json={"permissions": []})
    assert changed.json()["permissions"] == []
    assert client.get(USERS, headers=holder).status_code == 403
    renamed = {"name": "helpdesk", "description": "First line"}
    assert client.patch(f"{ROLES}/{role['id']}", headers=admin, json=renamed).status_code == 200
    read = client.get(f"{ROLES}/{role['id']}", headers=admin).json()
    assert read | renamed == read
    assert read["built_in"] is False
    assert client.delete(f"{ROLES}/{role['id']}", headers=admin).status_code == 204
    assert client.get(f"{ROLES}/{role['id']}", headers=admin).status_code == 404


def test_read_any_and_write_any_reach_other_users_rows(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    admin = _admin(client, users)
    todo = todos.create(users.create(), title="Someone else's")
    reader = users.create()
    headers = users.login_headers(client, reader)
    url = f"/api/v1/todos/{todo.id}"
    assert client.get(url, headers=headers).status_code == 404  # as if it did not exist
    _make_role(client, admin, name="auditor", permissions=["todos:read-any"])
    client.put(_roles_of(reader), headers=admin, json={"roles": ["member", "auditor"]})
    assert client.get(url, headers=headers).json()["title"] == "Someone else's"
    assert client.patch(url, headers=headers, json={"title": "Mine now"}).status_code == 404
    _make_role(client, admin, name="editor", permissions=["todos:write-any"])
    client.put(_roles_of(reader), headers=admin, json={"roles": ["member", "editor"]})
    changed = client.patch(url, headers=headers, json={"title": "Edited"})
    assert changed.json()["title"] == "Edited"
    assert changed.json()["owner_id"] == todo.owner_id


def test_without_any_role_nothing_is_allowed(client: TestClient, users: UserFactory) -> None:
    nobody = users.login_headers(client, users.create(roles=()))
    refused = client.get("/api/v1/todos", headers=nobody)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This request needs the permission todos:read"}
    assert client.get(f"{USERS}/me", headers=nobody).json()["roles"] == []


def test_built_in_roles_cannot_be_changed_or_deleted(
    client: TestClient, users: UserFactory
) -> None:
    admin = _admin(client, users)
    listed = client.get(ROLES, headers=admin).json()["items"]
    built_in = {role["name"]: role for role in listed}
    assert set(built_in) == {"admin", "member"}
    assert built_in["admin"]["permissions"] == sorted(permissions())
    assert "todos:write" in built_in["member"]["permissions"]
    assert "todos:write-any" not in built_in["member"]["permissions"]
    for role in listed:
        url = f"{ROLES}/{role['id']}"
        changed = client.patch(url, headers=admin, json={"description": "x"})
        assert changed.status_code == 409
        assert changed.json() == {
            "detail": "Built-in roles (admin, member) cannot be changed or deleted"
        }
        assert client.delete(url, headers=admin).status_code == 409


def test_bad_roles_are_refused_with_the_field_named(client: TestClient, users: UserFactory) -> None:
    admin = _admin(client, users)
    unknown = client.post(ROLES, headers=admin, json={"name": "x", "permissions": ["todos:fly"]})
    assert unknown.status_code == 422
    [error] = unknown.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "permissions"], "unknown_permission")
    assert "todos:fly" in error["msg"]
    for body in (
        {"name": "Has Spaces", "permissions": []},
        {"name": "x" * 51, "permissions": []},
        {"name": "ok"},
        {"name": "ok", "permissions": [], "built_in": True},
    ):
        assert client.post(ROLES, headers=admin, json=body).status_code == 422, body
    _make_role(client, admin, name="support", permissions=[])
    taken = client.post(ROLES, headers=admin, json={"name": "support", "permissions": []})
    assert taken.status_code == 409
    assert taken.json() == {"detail": "A role with this name already exists"}
    user = users.create()
    wrong = client.put(_roles_of(user), headers=admin, json={"roles": ["member", "wizard"]})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "roles"]
    assert client.put(f"{USERS}/999999/roles", headers=admin, json={"roles": []}).status_code == 404


def test_the_last_active_admin_cannot_be_removed(client: TestClient, users: UserFactory) -> None:
    root = users.create(roles=("admin",))
    admin = users.login_headers(client, root)
    last = {"detail": "This is the last active admin: make another admin first"}
    demoted = client.put(_roles_of(root), headers=admin, json={"roles": ["member"]})
    assert (demoted.status_code, demoted.json()) == (409, last)

    manager = users.create(roles=("member", "admin"))
    client.put(_roles_of(manager), headers=admin, json={"roles": ["member"]})
    _make_role(client, admin, name="support", permissions=["users:manage"])
    client.put(_roles_of(manager), headers=admin, json={"roles": ["support"]})
    headers = users.login_headers(client, manager)
    deactivated = client.patch(f"{USERS}/{root.id}", headers=headers, json={"is_active": False})
    assert (deactivated.status_code, deactivated.json()) == (409, last)
    deleted = client.delete(f"{USERS}/{root.id}", headers=headers)
    assert (deleted.status_code, deleted.json()) == (409, last)
    assert client.get(f"{USERS}/me", headers=admin).json()["roles"] == ["admin"]

    second = users.create(roles=("admin",))
    assert client.put(_roles_of(root), headers=admin, json={"roles": []}).status_code == 200
    assert client.get(USERS, headers=users.login_headers(client, second)).status_code == 200


def test_an_api_key_never_does_more_than_its_owner_may_now(
    client: TestClient, users: UserFactory
) -> None:
    admin = _admin(client, users)
    owner = users.create()
    login = users.login_headers(client, owner)
    key = api_key_headers(client, login, "todos:read")
    assert client.get("/api/v1/todos", headers=key).status_code == 200
    client.put(_roles_of(owner), headers=admin, json={"roles": []})
    refused = client.get("/api/v1/todos", headers=key)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This request needs the permission todos:read"}


def test_every_permission_is_listed_with_what_it_allows(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    listed = client.get("/api/v1/permissions", headers=auth_headers).json()["items"]
    assert [item["name"] for item in listed] == sorted(permissions())
    by_name = {item["name"]: item for item in listed}
    assert by_name["todos:read"] == {
        "name": "todos:read",
        "description": "Read your todos",
        "member": True,
    }
    assert by_name["roles:manage"]["member"] is False
    assert all(item["description"] for item in listed)
    assert client.get(ROLES, headers=auth_headers).status_code == 403
