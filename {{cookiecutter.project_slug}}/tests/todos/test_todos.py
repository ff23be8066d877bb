import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.todos.models import Todo

from ..factories import TodoFactory, UserFactory

TODOS = "/api/v1/todos"


def test_create_returns_the_todo(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.post(
        TODOS, headers=auth_headers, json={"title": "Write tests", "description": "all of them"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "title",
        "description",
        "completed",
        "owner_id",
        "created_at",
        "updated_at",
    }
    assert body["title"] == "Write tests"
    assert body["description"] == "all of them"
    assert body["completed"] is False
    me = client.get("/api/v1/users/me", headers=auth_headers).json()
    assert body["owner_id"] == me["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"title": None},
        {"title": "ok", "completed": "maybe"},
        {"title": "ok", "completed": 0},
        {"title": 42},
        {"title": "nul\x00"},
        {},
        [],
    ],
    ids=[
        "empty",
        "too-long",
        "null",
        "bad-bool",
        "number-as-bool",
        "number-as-title",
        "nul",
        "no-title",
        "not-an-object",
    ],
)
def test_invalid_todo_is_422(
    client: TestClient, auth_headers: dict[str, str], body: object
) -> None:
    response = client.post(TODOS, headers=auth_headers, json=body)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_todos_need_a_token(client: TestClient) -> None:
    assert client.get(TODOS).status_code == 401
    assert client.post(TODOS, json={"title": "x"}).status_code == 401


def test_list_is_newest_first_and_paginated(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    user = users.create()
    created = [todos.create(user, title=f"todo {n}") for n in range(5)]
    response = client.get(
        TODOS, headers=users.login_headers(client, user), params={"limit": 2, "offset": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert body["limit"] == 2
    assert body["offset"] == 1
    assert [item["id"] for item in body["items"]] == [created[3].id, created[2].id]


def test_list_defaults_to_twenty(client: TestClient, auth_headers: dict[str, str]) -> None:
    body = client.get(TODOS, headers=auth_headers).json()
    assert body == {"items": [], "total": 0, "limit": 20, "offset": 0}


def test_list_filters_on_completed(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    user = users.create()
    done = todos.create(user, completed=True)
    todos.create(user, completed=False)
    headers = users.login_headers(client, user)
    body = client.get(TODOS, headers=headers, params={"completed": "true"}).json()
    assert [item["id"] for item in body["items"]] == [done.id]
    assert body["total"] == 1


def test_list_shows_only_the_callers_todos(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    me, other = users.create(), users.create()
    todos.create(other)
    mine = todos.create(me)
    body = client.get(TODOS, headers=users.login_headers(client, me)).json()
    assert [item["id"] for item in body["items"]] == [mine.id]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}, {"completed": "perhaps"}],
)
def test_bad_list_parameters_are_422(
    client: TestClient, auth_headers: dict[str, str], params: dict[str, str | int]
) -> None:
    assert client.get(TODOS, headers=auth_headers, params=params).status_code == 422


def test_get_patch_delete_own_todo(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    user = users.create()
    todo = todos.create(user, title="before")
    headers = users.login_headers(client, user)
    url = f"{TODOS}/{todo.id}"

    assert client.get(url, headers=headers).json()["title"] == "before"

    patched = client.patch(url, headers=headers, json={"title": "after", "completed": True})
    assert patched.status_code == 200
    assert patched.json()["title"] == "after"
    assert patched.json()["completed"] is True
    assert patched.json()["updated_at"] >= patched.json()["created_at"]

    deleted = client.delete(url, headers=headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert "content-type" not in deleted.headers
    assert client.get(url, headers=headers).status_code == 404


def test_patch_only_changes_the_fields_sent(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    user = users.create()
    todo = todos.create(user, title="keep me")
    headers = users.login_headers(client, user)
    url = f"{TODOS}/{todo.id}"
    client.patch(url, headers=headers, json={"description": "added"})
    body = client.patch(url, headers=headers, json={"title": None, "completed": True}).json()
    assert body["title"] == "keep me"
    assert body["description"] == "added"
    assert body["completed"] is True
    cleared = client.patch(url, headers=headers, json={"description": None}).json()
    assert cleared["description"] is None


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_users_todo_is_404(
    client: TestClient, users: UserFactory, todos: TodoFactory, method: str
) -> None:
    owner, intruder = users.create(), users.create()
    todo = todos.create(owner)
    headers = users.login_headers(client, intruder)
    foreign = client.request(method, f"{TODOS}/{todo.id}", headers=headers, json={"title": "x"})
    missing = client.request(method, f"{TODOS}/999999", headers=headers, json={"title": "x"})
    assert foreign.status_code == 404
    assert foreign.json() == missing.json() == {"detail": "Todo not found"}


@pytest.mark.parametrize("todo_id", ["0", "99999999999999999999"])
def test_out_of_range_todo_id_is_422(
    client: TestClient, auth_headers: dict[str, str], todo_id: str
) -> None:
    assert client.get(f"{TODOS}/{todo_id}", headers=auth_headers).status_code == 422


@pytest.mark.parametrize("todo_id", ["abc", "-1", "1.5"])
def test_a_todo_id_that_is_not_digits_is_no_route(
    client: TestClient, auth_headers: dict[str, str], todo_id: str
) -> None:
    response = client.get(f"{TODOS}/{todo_id}", headers=auth_headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_methods_on_the_export_route_are_405(
    client: TestClient, auth_headers: dict[str, str], method: str
) -> None:
    response = client.request(method, f"{TODOS}/export", headers=auth_headers, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_deleting_a_user_deletes_their_todos(
    users: UserFactory, todos: TodoFactory, session: Session
) -> None:
    user = users.create()
    todos.create(user)
    session.delete(user)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Todo)) == 0
