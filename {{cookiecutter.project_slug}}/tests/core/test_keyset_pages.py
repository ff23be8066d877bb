"""Keyset pages of a resource list: cursors and `Link` headers (RFC 8288) that stay correct
while rows are inserted and deleted, beside the offset pages."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.pagination import Cursor
from {{ cookiecutter.package_name }}.todos.models import Todo

TODOS = "/api/v1/todos"


def _create(client: TestClient, headers: dict[str, str], count: int, **fields: Any) -> list[int]:
    ids = []
    for number in range(count):
        response = client.post(TODOS, headers=headers, json={"title": f"Todo {number}", **fields})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _links(response: Any) -> dict[str, str]:
    """The Link header's targets by relation type."""
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers.get("link", ""))
    }


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_cursors_walk_the_list_both_ways(client: TestClient, auth_headers: dict[str, str]) -> None:
    newest_first = _create(client, auth_headers, 7)[::-1]
    first = client.get(TODOS, headers=auth_headers, params={"limit": 3})
    assert _ids(first) == newest_first[:3]
    assert first.json()["prev_cursor"] is None
    assert set(_links(first)) == {"next"}

    second = client.get(_links(first)["next"], headers=auth_headers)
    assert _ids(second) == newest_first[3:6]
    body = second.json()
    assert (body["total"], body["offset"], body["limit"]) == (None, None, 3)
    last = client.get(
        TODOS, headers=auth_headers, params={"limit": 3, "cursor": body["next_cursor"]}
    )
    assert _ids(last) == newest_first[6:]
    assert last.json()["next_cursor"] is None
    assert set(_links(last)) == {"prev"}

    back = client.get(_links(last)["prev"], headers=auth_headers)
    assert _ids(back) == newest_first[3:6]
    assert _ids(client.get(_links(back)["prev"], headers=auth_headers)) == newest_first[:3]


def test_an_offset_page_gives_cursors_to_the_pages_beside_it(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    newest_first = _create(client, auth_headers, 5)[::-1]
    middle = client.get(TODOS, headers=auth_headers, params={"limit": 2, "offset": 2})
    assert _ids(middle) == newest_first[2:4]
    assert middle.json()["total"] == 5
    assert _ids(client.get(_links(middle)["next"], headers=auth_headers)) == newest_first[4:]
    assert _ids(client.get(_links(middle)["prev"], headers=auth_headers)) == newest_first[:2]


def test_a_walk_sees_every_surviving_row_once_while_rows_come_and_go(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    before = _create(client, auth_headers, 9)
    seen: list[int] = []
    page = client.get(TODOS, headers=auth_headers, params={"limit": 4})
    seen += _ids(page)
    # Meanwhile: newer rows arrive (they sort before the cursor) and an unseen row goes.
    _create(client, auth_headers, 3)
    gone = before[1]
    assert client.delete(f"{TODOS}/{gone}", headers=auth_headers).status_code == 204
    while "next" in _links(page):
        page = client.get(_links(page)["next"], headers=auth_headers)
        seen += _ids(page)
    assert sorted(seen) == sorted(set(before) - {gone})


def test_rows_made_at_the_same_instant_are_ordered_by_id(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    ids = _create(client, auth_headers, 5)
    instant = datetime(2026, 1, 1, tzinfo=UTC)
    session.execute(update(Todo).values(created_at=instant))
    session.commit()
    seen: list[int] = []
    page = client.get(TODOS, headers=auth_headers, params={"limit": 2})
    seen += _ids(page)
    while "next" in _links(page):
        page = client.get(_links(page)["next"], headers=auth_headers)
        seen += _ids(page)
    assert seen == sorted(ids, reverse=True)


def test_links_keep_the_filters_and_drop_the_offset(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    _create(client, auth_headers, 3, completed=True)
    _create(client, auth_headers, 2)
    page = client.get(
        TODOS, headers=auth_headers, params={"completed": "true", "limit": 1, "offset": 1}
    )
    links = _links(page)
    assert "completed=true" in links["next"]
    assert "offset" not in links["next"]
    assert "offset" not in links["prev"]
    following = client.get(links["next"], headers=auth_headers).json()["items"]
    assert [item["completed"] for item in following] == [True]


def test_past_the_end_there_is_only_the_way_back(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    oldest = _create(client, auth_headers, 3)[0]
    last = client.get(TODOS, headers=auth_headers, params={"limit": 3}).json()["items"][-1]
    assert last["id"] == oldest
    place = Cursor(datetime.fromisoformat(last["created_at"]), last["id"]).encode()
    beyond = client.get(TODOS, headers=auth_headers, params={"cursor": place})
    assert _ids(beyond) == []
    assert beyond.json()["next_cursor"] is None
    assert _ids(client.get(_links(beyond)["prev"], headers=auth_headers))[-1] == oldest
    newest = client.get(TODOS, headers=auth_headers).json()["items"][0]
    first = Cursor(datetime.fromisoformat(newest["created_at"]), newest["id"], backwards=True)
    before_the_first = client.get(TODOS, headers=auth_headers, params={"cursor": first.encode()})
    assert _ids(before_the_first) == []
    assert before_the_first.json()["prev_cursor"] is None
    assert (
        _ids(client.get(_links(before_the_first)["next"], headers=auth_headers))[0] == newest["id"]
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "bm90LWEtY3Vyc29y"}, "Not a cursor of this list"),
        ({"cursor": "!!"}, "String should match pattern '^[A-Za-z0-9_-]+$'"),
        (
            {"cursor": Cursor(datetime.now(UTC), 1).encode(), "offset": 3},
            "A cursor page takes no offset",
        ),
    ],
)
def test_a_bad_cursor_is_a_422(
    client: TestClient, auth_headers: dict[str, str], params: dict[str, Any], message: str
) -> None:
    response = client.get(TODOS, headers=auth_headers, params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["msg"]) == (["query", "cursor"], message)


@pytest.mark.parametrize("text", ["", "e30", "WzEsMiwzXQ", "WyIyMDI2LTAxLTAxIiwgMSwgZmFsc2Vd"])
def test_only_cursors_the_api_wrote_decode(text: str) -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        Cursor.decode(text)


def test_the_openapi_document_declares_the_cursor_and_the_links(client: TestClient) -> None:
    read_page = client.get("/openapi.json").json()["paths"][TODOS]["get"]
    assert "cursor" in {parameter["name"] for parameter in read_page["parameters"]}
    assert "Link" in read_page["responses"]["200"]["headers"]
