"""A served bake answers an oversized request body with its 413, over a real socket, to
clients that send the whole body before reading the answer (urllib, httpx): they must read
the 413, not "connection reset by peer"."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import httpx
import pytest

from .baked_project import InstalledProject
from .conftest import variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

PATH = "/api/v1/todos"
# 5 MiB against the default MAX_REQUEST_BODY_BYTES of 1 MiB.
BODY = json.dumps({"title": "x" * (5 * 1024 * 1024)}).encode()
TOO_LARGE = (413, {"detail": "Request body too large"})
# A reset is a race with the kernel: one lucky answer proves nothing.
ATTEMPTS = 5

Answer = tuple[int, object]


def _chunks() -> Iterator[bytes]:
    """The body with no Content-Length: the client sends it chunked."""
    step = 64 * 1024
    return (BODY[start : start + step] for start in range(0, len(BODY), step))


def _urllib(url: str, body: bytes | Iterator[bytes]) -> Answer:
    # urllib sends `Connection: close`, so the server closes right after its answer.
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _httpx(url: str, body: bytes | Iterator[bytes]) -> Answer:
    headers = {"Content-Type": "application/json", "Connection": "close"}
    response = httpx.post(url, content=body, headers=headers, timeout=30)
    return response.status_code, response.json()


SENDERS: dict[str, Callable[[str], Answer]] = {
    "urllib-content-length": lambda url: _urllib(url, BODY),
    "urllib-chunked": lambda url: _urllib(url, _chunks()),
    "httpx-content-length": lambda url: _httpx(url, BODY),
    "httpx-chunked": lambda url: _httpx(url, _chunks()),
}


@pytest.fixture(scope="module")
def base_url(project: InstalledProject) -> Iterator[str]:
    """The bake served by gunicorn with its own gunicorn_conf.py and default limits."""
    with project.gunicorn(ACCESS_LOG="false") as server:
        yield server.base_url


@pytest.mark.parametrize("sender", list(SENDERS))
def test_an_oversized_body_is_answered_413(base_url: str, sender: str) -> None:
    answers: list[Answer | str] = []
    for _ in range(ATTEMPTS):
        try:
            answers.append(SENDERS[sender](base_url + PATH))
        except (OSError, httpx.HTTPError) as error:  # urllib wraps resets in URLError(OSError)
            answers.append(repr(error))
    assert answers == [TOO_LARGE] * ATTEMPTS
