"""The caller's login sessions: listed, ended one by one or all but this one; a password
change, a reset or a deactivation ends them all."""

from fastapi.testclient import TestClient

from ..factories import DEFAULT_PASSWORD, UserFactory, bearer

SESSIONS = "/api/v1/users/me/sessions"
ME = "/api/v1/users/me"
TOKEN = "/api/v1/auth/token"


def _login_as(client: TestClient, email: str, user_agent: str) -> dict[str, str]:
    form = {"grant_type": "password", "username": email, "password": DEFAULT_PASSWORD}
    response = client.post(TOKEN, data=form, headers={"User-Agent": user_agent})
    assert response.status_code == 200
    tokens: dict[str, str] = response.json()
    return tokens


def test_sessions_list_client_times_and_which_is_current(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create()
    _login_as(client, user.email, "phone/1.0")
    laptop = _login_as(client, user.email, "laptop/2.0")
    response = client.get(SESSIONS, headers=bearer(laptop["access_token"]))
    assert response.status_code == 200
    listed = response.json()["items"]
    assert [(row["client"], row["current"]) for row in listed] == [
        ("laptop/2.0", True),
        ("phone/1.0", False),
    ]
    assert {"id", "created_at", "last_used_at"} <= set(listed[0])


def test_ending_a_session_kills_its_tokens(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    phone = _login_as(client, user.email, "phone")
    laptop = _login_as(client, user.email, "laptop")
    headers = bearer(laptop["access_token"])
    [phone_row] = [
        row for row in client.get(SESSIONS, headers=headers).json()["items"] if not row["current"]
    ]
    assert client.delete(f"{SESSIONS}/{phone_row['id']}", headers=headers).status_code == 204
    assert client.get(ME, headers=bearer(phone["access_token"])).status_code == 401
    assert client.get(ME, headers=headers).status_code == 200


def test_someone_elses_session_is_404(client: TestClient, users: UserFactory) -> None:
    mine = users.login(client, users.create())
    theirs = users.login(client, users.create())
    [their_row] = client.get(SESSIONS, headers=bearer(theirs["access_token"])).json()["items"]
    response = client.delete(f"{SESSIONS}/{their_row['id']}", headers=bearer(mine["access_token"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "Session not found"}
    assert (
        client.delete(f"{SESSIONS}/999999", headers=bearer(mine["access_token"])).status_code == 404
    )
    assert client.get(ME, headers=bearer(theirs["access_token"])).status_code == 200


def test_end_others_keeps_only_the_current_session(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    others = [users.login(client, user) for _ in range(2)]
    here = users.login(client, user)
    headers = bearer(here["access_token"])
    assert client.post(f"{SESSIONS}/end-others", headers=headers).status_code == 204
    assert all(client.get(ME, headers=bearer(o["access_token"])).status_code == 401 for o in others)
    [row] = client.get(SESSIONS, headers=headers).json()["items"]
    assert row["current"]


def test_a_password_change_ends_every_session(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    other = users.login(client, user)
    here = users.login(client, user)
    change = {"current_password": DEFAULT_PASSWORD, "password": "a whole new passphrase"}
    assert client.patch(ME, json=change, headers=bearer(here["access_token"])).status_code == 200
    for tokens in (other, here):
        refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        assert client.post(TOKEN, data=refresh).json()["error"] == "invalid_grant"


def test_deactivation_ends_every_session(client: TestClient, users: UserFactory) -> None:
    admin = users.login_headers(client, users.create(roles=("admin",)))
    user = users.create()
    tokens = users.login(client, user)
    assert (
        client.patch(
            f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/users/{user.id}", json={"is_active": True}, headers=admin
        ).status_code
        == 200
    )
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert client.post(TOKEN, data=refresh).json()["error"] == "invalid_grant"
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
