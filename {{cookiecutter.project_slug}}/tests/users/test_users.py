from fastapi.testclient import TestClient

from ..factories import DEFAULT_PASSWORD, UserFactory

ME = "/api/v1/users/me"
USERS = "/api/v1/users"
NEW_PASSWORD = "a brand new password"


def test_me_returns_the_caller_without_secrets(client: TestClient, users: UserFactory) -> None:
    user = users.create(email="me@example.com")
    response = client.get(ME, headers=users.login_headers(client, user))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "me@example.com"
    assert "password" not in str(body)


def test_patch_me_updates_the_name(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.patch(ME, headers=auth_headers, json={"full_name": "Grace Hopper"})
    assert response.status_code == 200
    assert response.json()["full_name"] == "Grace Hopper"
    assert client.get(ME, headers=auth_headers).json()["full_name"] == "Grace Hopper"


def test_patch_me_changes_the_password_and_ends_older_tokens(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create()
    headers = users.login_headers(client, user)
    response = client.patch(
        ME, headers=headers, json={"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert users.login_headers(client, user, password=NEW_PASSWORD)
    assert client.get(ME, headers=headers).status_code == 401  # issued before the change
    old = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD},
    )
    assert old.json()["error"] == "invalid_grant"


def test_password_change_needs_the_current_password(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.patch(ME, headers=auth_headers, json={"password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "current_password is required" in response.text


def test_password_change_with_a_wrong_current_password_is_403(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.patch(
        ME,
        headers=auth_headers,
        json={"password": NEW_PASSWORD, "current_password": "not my password"},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "The current password is incorrect"}


def test_a_refused_password_change_saves_nothing_else(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    client.patch(ME, headers=auth_headers, json={"full_name": "Before"})
    response = client.patch(
        ME,
        headers=auth_headers,
        json={
            "full_name": "After",
            "password": NEW_PASSWORD,
            "current_password": "not my password",
        },
    )
    assert response.status_code == 403
    assert client.get(ME, headers=auth_headers).json()["full_name"] == "Before"


def test_patch_me_rejects_a_short_password(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.patch(
        ME, headers=auth_headers, json={"password": "short", "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 422


def test_user_list_is_403_for_regular_users(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.get(USERS, headers=auth_headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "This request needs the permission users:manage"}


def test_user_list_is_401_without_a_token(client: TestClient) -> None:
    assert client.get(USERS).status_code == 401


def test_superuser_pages_through_users(client: TestClient, users: UserFactory) -> None:
    admin = users.create(roles=("admin",))
    for _ in range(3):
        users.create()
    headers = users.login_headers(client, admin)
    response = client.get(USERS, headers=headers, params={"limit": 2, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    assert body["limit"] == 2
    assert body["offset"] == 1
    assert len(body["items"]) == 2
    assert body["items"][0]["id"] > admin.id
