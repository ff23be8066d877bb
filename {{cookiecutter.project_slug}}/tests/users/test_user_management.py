from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.todos.models import Todo

from ..factories import DEFAULT_PASSWORD, TodoFactory, UserFactory

USERS = "/api/v1/users"
ME = "/api/v1/users/me"
SELF_LOCKOUT = {"detail": "Nobody can deactivate or delete their own account"}


def _admin_headers(client: TestClient, users: UserFactory) -> dict[str, str]:
    return users.login_headers(client, users.create(roles=("admin",)))


def test_superuser_reads_any_user(client: TestClient, users: UserFactory) -> None:
    admin = _admin_headers(client, users)
    user = users.create(email="someone@example.com")
    response = client.get(f"{USERS}/{user.id}", headers=admin)
    assert response.status_code == 200
    assert response.json()["email"] == "someone@example.com"


def test_a_missing_user_is_404(client: TestClient, users: UserFactory) -> None:
    admin = _admin_headers(client, users)
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(
            method, f"{USERS}/999999", headers=admin, json={"is_active": True}
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "User not found"}


def test_regular_users_get_403_whether_or_not_the_user_exists(
    client: TestClient, users: UserFactory, auth_headers: dict[str, str]
) -> None:
    other = users.create()
    for user_id in (other.id, 999999):
        for method in ("GET", "PATCH", "DELETE"):
            response = client.request(
                method, f"{USERS}/{user_id}", headers=auth_headers, json={"is_active": False}
            )
            assert response.status_code == 403
            assert response.json() == {"detail": "This request needs the permission users:manage"}


def test_deactivation_ends_the_users_tokens_at_once(client: TestClient, users: UserFactory) -> None:
    admin = _admin_headers(client, users)
    user = users.create()
    headers = users.login_headers(client, user)
    response = client.patch(f"{USERS}/{user.id}", headers=admin, json={"is_active": False})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert client.get(ME, headers=headers).status_code == 401
    login = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD},
    )
    assert login.json()["error"] == "invalid_grant"


def test_reactivation_lets_the_user_back_in(client: TestClient, users: UserFactory) -> None:
    admin = _admin_headers(client, users)
    user = users.create(is_active=False)
    response = client.patch(f"{USERS}/{user.id}", headers=admin, json={"is_active": True})
    assert response.json()["is_active"] is True
    assert client.get(ME, headers=users.login_headers(client, user)).status_code == 200


def test_deleting_a_user_deletes_their_todos_and_ends_their_tokens(
    client: TestClient, users: UserFactory, todos: TodoFactory, session: Session
) -> None:
    admin = _admin_headers(client, users)
    user = users.create()
    user_id = user.id
    todos.create(user)
    headers = users.login_headers(client, user)
    response = client.delete(f"{USERS}/{user_id}", headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(ME, headers=headers).status_code == 401
    assert client.get(f"{USERS}/{user_id}", headers=admin).status_code == 404
    assert session.scalars(select(Todo).where(Todo.owner_id == user_id)).all() == []


def test_a_superuser_cannot_lock_themselves_out(client: TestClient, users: UserFactory) -> None:
    admin = users.create(roles=("admin",))
    headers = users.login_headers(client, admin)
    deactivate = client.patch(f"{USERS}/{admin.id}", headers=headers, json={"is_active": False})
    assert deactivate.status_code == 403
    assert deactivate.json() == SELF_LOCKOUT
    delete = client.delete(f"{USERS}/{admin.id}", headers=headers)
    assert delete.status_code == 403
    assert delete.json() == SELF_LOCKOUT
    assert client.get(ME, headers=headers).json()["is_active"] is True


def test_a_superuser_can_deactivate_another_superuser(
    client: TestClient, users: UserFactory
) -> None:
    admin = _admin_headers(client, users)
    other = users.create(roles=("admin",))
    response = client.patch(f"{USERS}/{other.id}", headers=admin, json={"is_active": False})
    assert response.status_code == 200


def test_status_update_takes_exactly_a_boolean(client: TestClient, users: UserFactory) -> None:
    admin = _admin_headers(client, users)
    user = users.create()
    for bad in ({}, {"is_active": "no"}, {"is_active": 0}, {"is_superuser": True}):
        assert client.patch(f"{USERS}/{user.id}", headers=admin, json=bad).status_code == 422


def test_only_numeric_ids_reach_the_managed_user_routes(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.delete(ME, headers=auth_headers)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, PATCH"
    assert client.get(f"{USERS}/someone", headers=auth_headers).status_code == 404
