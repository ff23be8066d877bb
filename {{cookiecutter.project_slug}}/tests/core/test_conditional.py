"""Conditional requests (RFC 9110 §13) on a resource: ETags from the row's version, 304 for a
current copy, 412 for a change based on an old one, 428 when If-Match is required, and weak
tags on lists."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, update
from sqlalchemy.orm import Mapper

from {{ cookiecutter.package_name }}.core.conditional import matches, weak_tag
from {{ cookiecutter.package_name }}.todos.models import Todo

from ..conftest import ClientFactory
from ..factories import UserFactory

TODOS = "/api/v1/todos"


def _create(client: TestClient, headers: dict[str, str], title: str = "Water the garden") -> Any:
    response = client.post(TODOS, headers=headers, json={"title": title})
    assert response.status_code == 201, response.text
    return response


@pytest.mark.parametrize(
    ("field", "current", "weak", "expected"),
    [
        ('"a"', '"a"', False, True),
        ('"b", "a"', '"a"', False, True),
        ('W/"a"', '"a"', False, False),  # the strong comparison: both must be strong
        ('W/"a"', '"a"', True, True),  # the weak one: the opaque tags are equal
        ('"a"', 'W/"a"', True, True),
        ("*", '"a"', False, True),
        ('"ab"', '"a"', True, False),
        ("a", '"a"', True, False),  # not an entity-tag: matches nothing
        ("", '"a"', True, False),
    ],
)
def test_entity_tags_compare_as_rfc_9110_says(
    field: str, current: str, weak: bool, expected: bool
) -> None:
    assert matches(field, current, weak=weak) is expected


def test_a_resource_answers_with_a_tag_that_changes_on_every_write(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    created = _create(client, auth_headers)
    url = f"{TODOS}/{created.json()['id']}"
    tag = created.headers["etag"]
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert client.get(url, headers=auth_headers).headers["etag"] == tag

    changed = client.patch(url, headers=auth_headers, json={"completed": True})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert client.get(url, headers=auth_headers).headers["etag"] == changed.headers["etag"]


def test_a_current_copy_is_not_sent_again(client: TestClient, auth_headers: dict[str, str]) -> None:
    created = _create(client, auth_headers)
    url, tag = f"{TODOS}/{created.json()['id']}", created.headers["etag"]
    for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = client.get(url, headers={**auth_headers, "If-None-Match": if_none_match})
        assert again.status_code == 304, if_none_match
        assert again.content == b""
        assert again.headers["etag"] == tag
    stale = client.get(url, headers={**auth_headers, "If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.json()["title"] == "Water the garden"


def test_a_change_based_on_an_old_copy_fails_and_changes_nothing(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    created = _create(client, auth_headers)
    url, first = f"{TODOS}/{created.json()['id']}", created.headers["etag"]
    won = client.patch(url, headers={**auth_headers, "If-Match": first}, json={"title": "Mine"})
    assert won.status_code == 200

    lost = client.patch(url, headers={**auth_headers, "If-Match": first}, json={"title": "Theirs"})
    assert lost.status_code == 412
    assert lost.json() == {
        "detail": "The resource has changed: fetch it again for its current ETag"
    }
    refused = client.delete(url, headers={**auth_headers, "If-Match": first})
    assert refused.status_code == 412
    current = client.get(url, headers=auth_headers)
    assert current.json()["title"] == "Mine"
    assert current.headers["etag"] == won.headers["etag"]

    weak = client.delete(url, headers={**auth_headers, "If-Match": f"W/{won.headers['etag']}"})
    assert weak.status_code == 412  # If-Match compares strongly
    deleted = client.delete(url, headers={**auth_headers, "If-Match": won.headers["etag"]})
    assert deleted.status_code == 204
    assert client.get(url, headers=auth_headers).status_code == 404


def test_if_match_any_and_if_none_match_on_a_change(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    url = f"{TODOS}/{_create(client, auth_headers).json()['id']}"
    anything = client.patch(url, headers={**auth_headers, "If-Match": "*"}, json={"title": "A"})
    assert anything.status_code == 200
    only_if_absent = client.patch(
        url, headers={**auth_headers, "If-None-Match": "*"}, json={"title": "B"}
    )
    assert only_if_absent.status_code == 412
    assert client.get(url, headers=auth_headers).json()["title"] == "A"


def test_a_server_can_require_if_match_on_changes(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = client_with(require_if_match=True)
    headers = users.login_headers(client, users.create())
    created = _create(client, headers)
    url = f"{TODOS}/{created.json()['id']}"
    for blind in (
        client.patch(url, headers=headers, json={"title": "B"}),
        client.delete(url, headers=headers),
    ):
        assert blind.status_code == 428
        assert blind.json() == {
            "detail": "Send If-Match with the ETag of the resource to change it"
        }
    tagged = {**headers, "If-Match": created.headers["etag"]}
    assert client.patch(url, headers=tagged, json={"title": "B"}).status_code == 200
    assert client.get(url, headers=headers).status_code == 200  # reads need no tag


def test_a_list_answers_with_a_weak_tag_of_its_page(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    _create(client, auth_headers)
    page = client.get(TODOS, headers=auth_headers)
    assert page.headers["etag"] == weak_tag(page.content)

    polled = client.get(TODOS, headers={**auth_headers, "If-None-Match": page.headers["etag"]})
    assert polled.status_code == 304
    assert polled.content == b""
    _create(client, auth_headers, title="Another")
    changed = client.get(TODOS, headers={**auth_headers, "If-None-Match": page.headers["etag"]})
    assert changed.status_code == 200
    assert changed.json()["total"] == 2


def test_errors_carry_no_tag(client: TestClient, auth_headers: dict[str, str]) -> None:
    missing = client.get(f"{TODOS}/999999", headers=auth_headers)
    assert missing.status_code == 404
    assert "etag" not in missing.headers


def test_the_openapi_document_declares_tags_and_preconditions(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    one = paths[TODOS + "/{todo_id}"]
    read, change = one["get"], one["patch"]
    assert "ETag" in read["responses"]["200"]["headers"]
    assert "304" in read["responses"]
    assert {"If-None-Match"} <= {p["name"] for p in read["parameters"]}
    assert {"412", "428"} <= set(change["responses"])
    assert {"If-Match", "If-None-Match"} <= {p["name"] for p in change["parameters"]}
    assert "ETag" in paths[TODOS]["get"]["responses"]["200"]["headers"]


def test_a_write_that_lost_a_race_changes_nothing_and_is_a_409(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    """Another request's write between this one's read and its update (where no row lock
    keeps it out, as on SQLite): the update matches no row at the version read."""
    url = f"{TODOS}/{_create(client, auth_headers).json()['id']}"

    def another_write(_mapper: Mapper[Todo], connection: Connection, todo: Todo) -> None:
        bump = update(Todo).where(Todo.id == todo.id).values(version=Todo.version + 1)
        connection.execute(bump)

    event.listen(Todo, "before_update", another_write)
    try:
        lost = client.patch(url, headers=auth_headers, json={"title": "Lost"})
    finally:
        event.remove(Todo, "before_update", another_write)
    assert lost.status_code == 409
    assert lost.json()["detail"].startswith("The resource was changed by another request")
    assert client.get(url, headers=auth_headers).json()["title"] == "Water the garden"
