"""Safe retries, optimistic concurrency and stable paging against the defaults bake served by
gunicorn (two workers) on PostgreSQL, with clients racing from threads: retries with one
Idempotency-Key create exactly one row, of two editors holding the same ETag one wins and one
gets 412, and a walk through a list by its `Link` headers while another client inserts and
deletes sees every surviving row exactly once."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject, register_and_login
from .conftest import variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

TODOS = "/api/v1/todos"
RACERS = 12


@pytest.fixture
def api(project: InstalledProject, migrated_database: str) -> Iterator[httpx.Client]:
    with project.serve(
        DATABASE_URL=migrated_database, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as client:
        yield client


Request = Callable[[httpx.Client], httpx.Response]


def _race(api: httpx.Client, requests: list[Request]) -> list[httpx.Response]:
    """Each of `requests` sent by a client of its own, all at once (each client connected
    beforehand, so that the requests leave together)."""
    start = threading.Barrier(len(requests))

    def racer(request: Request) -> httpx.Response:
        with httpx.Client(base_url=api.base_url, timeout=30) as client:
            client.get("/health/live")
            start.wait()
            return request(client)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(racer, requests))


def _post(headers: dict[str, str], body: dict[str, str]) -> Request:
    return lambda client: client.post(TODOS, headers=headers, json=body)


def _patch(url: str, headers: dict[str, str], body: dict[str, str]) -> Request:
    return lambda client: client.patch(url, headers=headers, json=body)


def test_concurrent_retries_with_one_key_create_exactly_one_row(api: httpx.Client) -> None:
    login = register_and_login(api, "ada@example.com")
    for round_number in range(3):
        headers = {**login, "Idempotency-Key": f'"order-{round_number}"'}
        body = {"title": f"Order {round_number}"}
        answers = _race(api, [_post(headers, body)] * RACERS)
        statuses = Counter(answer.status_code for answer in answers)
        assert set(statuses) <= {201, 409}, statuses
        created = [a for a in answers if a.status_code == 201]
        assert created, statuses
        assert all(a.json() == created[0].json() for a in created)
        for refused in (a for a in answers if a.status_code == 409):
            assert refused.headers["retry-after"] == "1"
        retried = api.post(TODOS, headers=headers, json=body)
        assert retried.status_code == 201
        assert retried.headers["idempotent-replayed"] == "true"
        assert retried.json() == created[0].json()
        print(f"round {round_number}: {dict(statuses)}")
    listed = api.get(TODOS, headers=login).json()
    assert sorted(item["title"] for item in listed["items"]) == ["Order 0", "Order 1", "Order 2"]
    assert listed["total"] == 3


def test_of_two_editors_with_the_same_etag_one_wins_and_one_gets_412(api: httpx.Client) -> None:
    login = register_and_login(api, "grace@example.com")
    created = api.post(TODOS, headers=login, json={"title": "Draft"})
    url = f"{TODOS}/{created.json()['id']}"
    for round_number in range(5):
        tag = api.get(url, headers=login).headers["etag"]
        assert api.get(url, headers={**login, "If-None-Match": tag}).status_code == 304
        headers = {**login, "If-Match": tag}
        edits = [
            _patch(url, headers, {"title": f"Round {round_number}, editor {n}"}) for n in (1, 2)
        ]
        answers = _race(api, edits)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 412], [answer.text for answer in answers]
        [won] = [answer for answer in answers if answer.status_code == 200]
        now = api.get(url, headers=login)
        assert now.json()["title"] == won.json()["title"]
        assert now.headers["etag"] == won.headers["etag"] != tag


def _next_link(response: httpx.Response) -> str | None:
    found = re.search(r'<([^>]*)>; rel="next"', response.headers.get("link", ""))
    return found.group(1) if found else None


def test_a_walk_by_cursor_sees_every_surviving_row_once_while_another_client_writes(
    api: httpx.Client,
) -> None:
    headers = register_and_login(api, "edsger@example.com")
    originals = [
        api.post(TODOS, headers=headers, json={"title": f"Todo {n}"}).json()["id"]
        for n in range(60)
    ]
    doomed = set(random.Random(20261207).sample(originals, 15))

    def meanwhile() -> None:
        with httpx.Client(base_url=api.base_url, timeout=30) as other:
            for number, row_id in enumerate(sorted(doomed)):
                assert other.delete(f"{TODOS}/{row_id}", headers=headers).status_code == 204
                created = other.post(TODOS, headers=headers, json={"title": f"New {number}"})
                assert created.status_code == 201

    seen: list[int] = []
    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(meanwhile)
        url: str | None = f"{TODOS}?limit=4"
        while url is not None:
            page = api.get(url, headers=headers)
            assert page.status_code == 200, page.text
            seen += [item["id"] for item in page.json()["items"]]
            url = _next_link(page)
        writer.result()
    assert len(seen) == len(set(seen)), "a row was seen twice"
    assert set(originals) - doomed <= set(seen), "a surviving row was skipped"
    print(f"walked {len(seen)} rows in pages of 4 while 15 were deleted and 15 inserted")
