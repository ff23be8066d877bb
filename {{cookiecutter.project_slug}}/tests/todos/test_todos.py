"""Todos over HTTP.

CRUD, validation, owner isolation, pagination, the list's filters, the export.
"""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.todos.models import Todo

from ..factories import UserFactory, api_key_headers
from ..jobs.test_jobs import finished_job

TODOS = "/api/v1/todos"

# Valid bodies, written as the API answers them.
VALID: dict[str, Any] = {
    "title": "A short text",
    "description": "Some longer text,\nover two lines.",
    "completed": True,
}
CHANGED: dict[str, Any] = {
    "title": "Another short text",
    "description": "Other text",
    "completed": False,
}
FIELDS = {"id", "owner_id", "created_at", "updated_at", *VALID}


def _create(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post(TODOS, headers=headers, json={**VALID, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_todo(client: TestClient, auth_headers: dict[str, str]) -> None:
    body = _create(client, auth_headers)
    assert set(body) == FIELDS
    assert {name: body[name] for name in VALID} == VALID
    me = client.get("/api/v1/users/me", headers=auth_headers).json()
    assert body["owner_id"] == me["id"]


def test_fields_left_out_take_their_defaults(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    required: dict[str, Any] = {"title": VALID["title"]}
    defaults: dict[str, Any] = {"description": None, "completed": False}
    response = client.post(TODOS, headers=auth_headers, json=required)
    assert response.status_code == 201, response.text
    assert {name: response.json()[name] for name in VALID} == {**defaults, **required}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("title", "", id="title-empty"),
        pytest.param("title", "x" * 201, id="title-too-long"),
        pytest.param("title", "a\x00b", id="title-nul"),
        pytest.param("title", 42, id="title-number"),
        pytest.param("description", "x" * 10_001, id="description-too-long"),
        pytest.param("description", "a\x00b", id="description-nul"),
        pytest.param("description", 42, id="description-number"),
        pytest.param("completed", "yes", id="completed-string"),
        pytest.param("completed", 0, id="completed-number"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_invalid_field_is_422(
    client: TestClient, auth_headers: dict[str, str], method: str, field: str, value: object
) -> None:
    url = TODOS
    if method == "PATCH":
        url = f"{url}/{_create(client, auth_headers)['id']}"
    # json.dumps, unlike the client, writes NaN and Infinity as Python's JSON parser reads them.
    body = json.dumps({**VALID, field: value})
    headers = {**auth_headers, "Content-Type": "application/json"}
    response = client.request(method, url, headers=headers, content=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]


@pytest.mark.parametrize("field", ["title"])
def test_missing_required_field_is_422(
    client: TestClient, auth_headers: dict[str, str], field: str
) -> None:
    body = {name: value for name, value in VALID.items() if name != field}
    response = client.post(TODOS, headers=auth_headers, json=body)
    assert response.status_code == 422


@pytest.mark.parametrize("body", [[], "text", None], ids=["list", "string", "null"])
def test_a_body_that_is_not_an_object_is_422(
    client: TestClient, auth_headers: dict[str, str], body: object
) -> None:
    assert client.post(TODOS, headers=auth_headers, json=body).status_code == 422


def test_todos_need_a_token(client: TestClient) -> None:
    assert client.get(TODOS).status_code == 401
    assert client.post(TODOS, json=VALID).status_code == 401


def test_list_is_newest_first_and_paginated(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    ids = [_create(client, auth_headers)["id"] for _ in range(4)]
    response = client.get(TODOS, headers=auth_headers, params={"limit": 2, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 1)
    assert [item["id"] for item in body["items"]] == [ids[2], ids[1]]


def test_list_defaults_to_twenty(client: TestClient, auth_headers: dict[str, str]) -> None:
    body = client.get(TODOS, headers=auth_headers).json()
    empty = {"items": [], "total": 0, "limit": 20, "offset": 0}
    assert body == {**empty, "next_cursor": None, "prev_cursor": None}


@pytest.mark.parametrize("value", [True, False])
def test_list_filters_on_completed(
    client: TestClient, auth_headers: dict[str, str], value: bool
) -> None:
    matching = _create(client, auth_headers, completed=value)
    _create(client, auth_headers, completed=not value)
    params = {"completed": value}
    body = client.get(TODOS, headers=auth_headers, params=params).json()
    assert ([item["id"] for item in body["items"]], body["total"]) == ([matching["id"]], 1)


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}, {"completed": "perhaps"}],
)
def test_bad_list_parameters_are_422(
    client: TestClient, auth_headers: dict[str, str], params: dict[str, str | int]
) -> None:
    assert client.get(TODOS, headers=auth_headers, params=params).status_code == 422


def test_list_shows_only_the_callers_todos(
    client: TestClient, users: UserFactory, auth_headers: dict[str, str]
) -> None:
    _create(client, users.login_headers(client, users.create()))
    mine = _create(client, auth_headers)
    body = client.get(TODOS, headers=auth_headers).json()
    assert [item["id"] for item in body["items"]] == [mine["id"]]


def test_get_patch_delete_own_todo(client: TestClient, auth_headers: dict[str, str]) -> None:
    url = f"{TODOS}/{_create(client, auth_headers)['id']}"
    assert client.get(url, headers=auth_headers).json()["title"] == VALID["title"]

    patched = client.patch(url, headers=auth_headers, json=CHANGED)
    assert patched.status_code == 200
    assert {name: patched.json()[name] for name in CHANGED} == CHANGED
    assert patched.json()["updated_at"] >= patched.json()["created_at"]
    assert client.get(url, headers=auth_headers).json() == patched.json()

    deleted = client.delete(url, headers=auth_headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert "content-type" not in deleted.headers
    assert client.get(url, headers=auth_headers).status_code == 404


@pytest.mark.parametrize("field", list(VALID))
def test_patch_changes_only_the_field_sent(
    client: TestClient, auth_headers: dict[str, str], field: str
) -> None:
    url = f"{TODOS}/{_create(client, auth_headers)['id']}"
    body = client.patch(url, headers=auth_headers, json={field: CHANGED[field]}).json()
    assert {name: body[name] for name in VALID} == {**VALID, field: CHANGED[field]}


def test_patch_with_null_leaves_not_null_fields_unchanged(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    url = f"{TODOS}/{_create(client, auth_headers)['id']}"
    nulls = dict.fromkeys(["title", "completed"])
    body = client.patch(url, headers=auth_headers, json=nulls).json()
    assert {name: body[name] for name in VALID} == VALID


def test_patch_with_null_clears_optional_fields(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    url = f"{TODOS}/{_create(client, auth_headers)['id']}"
    nulls = dict.fromkeys(["description"])
    body = client.patch(url, headers=auth_headers, json=nulls).json()
    assert {name: body[name] for name in VALID} == {**VALID, **nulls}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_users_todo_is_404(
    client: TestClient, users: UserFactory, auth_headers: dict[str, str], method: str
) -> None:
    owner = users.login_headers(client, users.create())
    foreign = _create(client, owner)["id"]
    url = TODOS
    answers = [
        client.request(method, f"{url}/{id_}", headers=auth_headers, json=CHANGED)
        for id_ in (foreign, 999_999)
    ]
    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].json() == answers[1].json() == {"detail": "Todo not found"}
    assert client.get(f"{url}/{foreign}", headers=owner).json()["title"] == VALID["title"]


def test_an_api_key_reads_with_the_read_scope_and_changes_with_the_write_scope(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    url = f"{TODOS}/{_create(client, auth_headers)['id']}"
    reader = api_key_headers(client, auth_headers, "todos:read")
    writer = api_key_headers(client, auth_headers, "todos:write")
    assert client.get(TODOS, headers=reader).status_code == 200
    assert client.get(url, headers=reader).status_code == 200
    assert client.patch(url, headers=writer, json=CHANGED).status_code == 200

    refused = [
        client.patch(url, headers=reader, json=CHANGED),
        client.delete(url, headers=reader),
        client.get(url, headers=writer),
    ]
    assert [answer.status_code for answer in refused] == [403, 403, 403]
    challenges = [answer.headers["www-authenticate"] for answer in refused]
    assert ['error="insufficient_scope"' in challenge for challenge in challenges] == [True] * 3
    assert 'scope="todos:write"' in challenges[0]
    assert 'scope="todos:read"' in challenges[2]


@pytest.mark.parametrize("todo_id", ["0", "99999999999999999999"])
def test_out_of_range_todo_id_is_422(
    client: TestClient, auth_headers: dict[str, str], todo_id: str
) -> None:
    url = f"{TODOS}/{todo_id}"
    assert client.get(url, headers=auth_headers).status_code == 422


@pytest.mark.parametrize("todo_id", ["abc", "-1", "1.5"])
def test_a_todo_id_that_is_not_digits_is_no_route(
    client: TestClient, auth_headers: dict[str, str], todo_id: str
) -> None:
    response = client.get(f"{TODOS}/{todo_id}", headers=auth_headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_export_is_a_job_with_every_one_of_the_callers_todos(
    client: TestClient, users: UserFactory, auth_headers: dict[str, str]
) -> None:
    _create(client, users.login_headers(client, users.create()))
    ids = [_create(client, auth_headers)["id"] for _ in range(2)]
    response = client.post(f"{TODOS}/export", headers=auth_headers)
    assert response.status_code == 202, response.text
    job = finished_job(client, auth_headers, response.headers["location"])
    assert (job["kind"], job["status"]) == ("todos.export", "succeeded")
    exported = job["result"]["todos"]
    assert (job["result"]["count"], [row["id"] for row in exported]) == (2, ids[::-1])


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_methods_on_the_export_route_are_405(
    client: TestClient, auth_headers: dict[str, str], method: str
) -> None:
    response = client.request(method, f"{TODOS}/export", headers=auth_headers, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_deleting_a_user_deletes_their_todos(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create()
    _create(client, users.login_headers(client, user))
    session.delete(user)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Todo)) == 0
