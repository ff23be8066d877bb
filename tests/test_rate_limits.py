"""The API's rate limit is exact across processes: the Celery bake counts in Redis, so with
gunicorn's two workers on PostgreSQL one user's concurrent requests past RATE_LIMIT_API get a
429 with Retry-After and the RateLimit fields, whichever worker answers them."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from .baked_project import InstalledProject, register_and_login
from .conftest import variant
from .test_resilience import gunicorn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("py313-renamed")], indirect=True),
]

LIMIT = 10
# More than both workers together would let through if each counted on its own.
REQUESTS = 3 * LIMIT
ME = "/api/v1/users/me"
LEFT = re.compile(r'"api";r=(\d+);t=(\d+)')


def _left(answer: httpx.Response) -> tuple[int, int]:
    """The RateLimit field's remaining requests `r` and seconds to the reset `t`."""
    match = LEFT.fullmatch(answer.headers["RateLimit"])
    assert match is not None, answer.headers["RateLimit"]
    return int(match[1]), int(match[2])


def test_one_users_concurrent_requests_get_exactly_the_limit_across_workers(
    project: InstalledProject, migrated_database: str
) -> None:
    with (
        gunicorn(project, migrated_database, RATE_LIMIT_API=f"{LIMIT}/60") as server,
        ExitStack() as stack,
    ):
        with httpx.Client(base_url=server.base_url, timeout=30) as api:
            headers = register_and_login(api, "limited@example.com")
        # One keep-alive connection per request, each traced to the worker that holds it.
        connections: list[tuple[int, httpx.Client]] = []
        for _ in range(REQUESTS):
            client = stack.enter_context(
                httpx.Client(base_url=server.base_url, headers=headers, timeout=30)
            )
            connections.append((server.worker_serving(client.get("/health")), client))
        # Both workers answer some of the requests below, and count them in the one budget.
        assert {worker for worker, _ in connections} == server.wait_for_workers()

        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(pool.map(lambda connection: connection[1].get(ME), connections))

    served = [answer for answer in answers if answer.status_code == 200]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert (len(served), len(refused)) == (LIMIT, REQUESTS - LIMIT), [a.text for a in answers]
    # Counted atomically: each served request saw a count of its own.
    assert sorted(_left(answer)[0] for answer in served) == list(range(LIMIT))
    for answer in answers:
        assert answer.headers["RateLimit-Policy"] == f'"api";q={LIMIT};w=60'
    for answer in refused:
        remaining, reset = _left(answer)
        assert remaining == 0
        assert 1 <= int(answer.headers["Retry-After"]) == reset <= 60
        assert answer.json()["detail"].startswith("Too many requests")
