import asyncio
import itertools
import json
import logging
import time
from collections.abc import Iterable
from typing import Literal, TypedDict, Unpack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.body_limit import BodyLimit
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.edge import EdgeMiddleware
from {{ cookiecutter.package_name }}.core.logging import RequestIdFilter
from {{ cookiecutter.package_name }}.core.shedding import LoadShedding
from {{ cookiecutter.package_name }}.main import create_app


def test_every_response_has_a_generated_request_id(client: TestClient) -> None:
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/nope").headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_well_formed_incoming_request_id_is_kept(client: TestClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response.headers["X-Request-ID"] == "edge-7f3a.42"


@pytest.mark.parametrize("bad_id", [b"has space", b"x" * 129, b"inject\xe9", b"a\nb", b""])
def test_a_malformed_incoming_request_id_is_replaced(client: TestClient, bad_id: bytes) -> None:
    response = client.get("/health", headers={b"X-Request-ID": bad_id})
    assert response.headers["X-Request-ID"].encode() != bad_id
    assert len(response.headers["X-Request-ID"]) == 32


def test_each_request_is_access_logged_with_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())  # as the served app's log handler has
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/openapi.json", headers={"X-Request-ID": "trace-1"})
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert record.__dict__["status"] == 200
    assert record.__dict__["path"] == "/openapi.json"
    assert record.__dict__["request_id"] == "trace-1"
    assert "GET /openapi.json 200" in record.getMessage()


def test_successful_health_probes_are_not_access_logged_but_failures_are(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/health")
        client.get("/health/ready")
        client.post("/health")
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert "POST /health 405" in record.getMessage()


def test_health_probes_can_be_access_logged_too(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        TestClient(create_app(settings.model_copy(update={"access_log_probes": True}))) as client,
        caplog.at_level(logging.INFO, logger="app.access"),
    ):
        client.get("/health")
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert "GET /health 200" in record.getMessage()


def test_access_log_can_be_switched_off(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        TestClient(create_app(settings.model_copy(update={"access_log": False}))) as client,
        caplog.at_level(logging.INFO, logger="app.access"),
    ):
        client.get("/openapi.json")
    assert not [r for r in caplog.records if r.name == "app.access"]


def test_security_headers_are_set(client: TestClient) -> None:
    headers = client.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/nope"), ("POST", "/health"), ("GET", "/docs/swagger-ui.css")],
)
def test_every_answer_keeps_other_sites_and_browser_features_out(
    client: TestClient, method: str, path: str
) -> None:
    headers = client.request(method, path).headers
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"].split(", ")
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_an_answer_to_a_request_with_credentials_is_never_stored(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    answers = [
        client.get("/api/v1/users/me", headers=auth_headers),
        client.get("/api/v1/todos/999", headers=auth_headers),
        client.get("/api/v1/users/me", headers={"Authorization": "Bearer not-a-token"}),
        client.get("/health", headers={"Cookie": "session=anything"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 404, 401, 200]
    assert {answer.headers["Cache-Control"] for answer in answers} == {"no-store"}


def test_an_anonymous_answer_may_be_cached(client: TestClient) -> None:
    assert "Cache-Control" not in client.get("/openapi.json").headers


def test_hsts_is_sent_over_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        headers = client.get("/health").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_declared_oversized_body_is_413(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_request_body_bytes": 1024}))
    with TestClient(app) as client:
        response = client.post("/api/v1/auth/register", content=b"x" * 2048)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


def test_a_streamed_oversized_body_is_413(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_request_body_bytes": 1024}))
    chunks = (b"x" * 512 for _ in range(4))  # no Content-Length: sent chunked
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/register",
            content=chunks,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


LIMIT = 1024
KIB = b"x" * 1024


class _Client:
    """The client side of one request at the ASGI level: sends `chunks` as the server asks
    for them, then ends the body, or `then="stalls"` (sends nothing more) or `then="leaves"`
    (disconnects); records what the server read and answered."""

    def __init__(
        self, chunks: Iterable[bytes], *, then: Literal["ends", "stalls", "leaves"] = "ends"
    ) -> None:
        self._chunks = iter(chunks)
        self._next = next(self._chunks, None)
        self._then = then
        self.read = 0  # body bytes the server asked for
        self.read_before_answer: int | None = None
        self.answer: list[Message] = []

    async def receive(self) -> Message:
        chunk = self._next
        if chunk is None:
            if self._then == "stalls":
                await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        self._next = next(self._chunks, None)
        self.read += len(chunk)
        more_body = self._next is not None or self._then != "ends"
        return {"type": "http.request", "body": chunk, "more_body": more_body}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.read_before_answer = self.read
        self.answer.append(message)

    @property
    def status(self) -> int:
        return int(self.answer[0]["status"])

    @property
    def closes_connection(self) -> bool:
        return (b"connection", b"close") in self.answer[0]["headers"]

    def json(self) -> object:
        return json.loads(b"".join(m.get("body", b"") for m in self.answer[1:]))


class _DrainBounds(TypedDict, total=False):
    drain_max_bytes: int
    drain_seconds: float


def _post(
    client: _Client, *headers: tuple[bytes, bytes], **bounds: Unpack[_DrainBounds]
) -> _Client:
    """POST the client's body through the limit (1 KiB) to an endpoint that reads it."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, str]:
        return payload  # pragma: no cover  # every body these tests send is too large

    app.add_middleware(
        EdgeMiddleware,
        shedding=LoadShedding(max_in_flight=1, max_wait=0),
        body_limit=BodyLimit(max_bytes=LIMIT, **bounds),
    )
    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(app(scope, client.receive, client.send))
    return client


def _declared(length: int) -> tuple[bytes, bytes]:
    return (b"content-length", str(length).encode())


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_an_oversized_body_is_read_to_its_end_before_the_413(declared: bool) -> None:
    # A client that sends its whole body before reading (urllib, requests) would otherwise
    # meet a connection closed with unread bytes: a reset instead of the answer.
    client = _Client([KIB] * 5)
    _post(client, *([_declared(5 * 1024)] if declared else []))
    assert client.status == 413
    assert client.json() == {"detail": "Request body too large"}
    assert client.read_before_answer == 5 * 1024
    assert not client.closes_connection  # the body was read: the connection can be reused


def test_reading_an_endless_streamed_body_stops_at_the_bound_and_closes() -> None:
    client = _Client(itertools.repeat(KIB))
    _post(client, drain_max_bytes=8 * 1024)
    assert client.status == 413
    assert client.json() == {"detail": "Request body too large"}
    assert client.read_before_answer is not None
    assert client.read_before_answer <= LIMIT + 8 * 1024 + len(KIB)  # + the last chunk
    assert client.closes_connection


def test_a_declared_body_beyond_the_bound_is_refused_unread_and_closes() -> None:
    client = _Client(itertools.repeat(KIB))
    _post(client, _declared(10**9))
    assert client.status == 413
    assert client.read == 0
    assert client.closes_connection


def test_a_client_expecting_100_continue_is_refused_without_being_asked_for_the_body() -> None:
    # Asking for the body (the first receive) is what makes the server send "100 Continue".
    client = _Client([KIB] * 5)
    _post(client, _declared(5 * 1024), (b"expect", b"100-continue"))
    assert client.status == 413
    assert client.read == 0
    assert client.closes_connection  # the unsent body must not be taken for the next request


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_a_client_stalling_mid_body_is_answered_after_the_time_bound(declared: bool) -> None:
    client = _Client([KIB] * 2, then="stalls")
    started = time.monotonic()
    _post(client, *([_declared(5 * 1024)] if declared else []), drain_seconds=0.05)
    assert time.monotonic() - started < 5
    assert client.status == 413
    assert client.closes_connection


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_a_client_gone_mid_body_ends_the_reading(declared: bool) -> None:
    client = _Client([KIB] * 2, then="leaves")
    _post(client, *([_declared(5 * 1024)] if declared else []))
    assert client.read == 2 * 1024
    assert client.status == 413  # the server drops an answer to a client that is gone
    assert client.closes_connection


def test_a_crash_is_logged_once_with_its_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app) as client, caplog.at_level(logging.ERROR):
        response = client.get("/boom", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["X-Request-ID"] == "crash-1"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None


def test_docs_are_off_in_production_unless_enabled(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production"})
    with TestClient(create_app(production)) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404
    enabled = production.model_copy(update={"docs_enabled": True})
    with TestClient(create_app(enabled)) as client:
        assert client.get("/openapi.json").status_code == 200


async def _answer(app: ASGIApp, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """The status, headers and body `app` answers a GET of `path` with."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": []}
    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def _slow_on(path: str, release: asyncio.Event) -> ASGIApp:
    """An app that answers at once, except `path`, which it holds until `release` is set."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == path:
            await release.wait()
        await PlainTextResponse("ok")(scope, receive, send)

    return app


def _shedding(app: ASGIApp, *, max_wait: float, exempt_paths: Iterable[str] = ()) -> EdgeMiddleware:
    """`app` behind an edge that lets one request in at a time."""
    return EdgeMiddleware(
        app,
        shedding=LoadShedding(max_in_flight=1, max_wait=max_wait),
        body_limit=BodyLimit(max_bytes=LIMIT),
        access_log=False,
        exempt_paths=frozenset(exempt_paths),
    )


@pytest.mark.anyio
async def test_past_the_limit_requests_wait_briefly_then_are_refused_but_probes_are_served() -> (
    None
):
    release = asyncio.Event()
    shedding = _shedding(_slow_on("/slow", release), max_wait=0.05, exempt_paths={"/health"})
    slow = asyncio.create_task(_answer(shedding, "/slow"))
    await asyncio.sleep(0.01)  # the slow request now holds the only place
    refused_status, refused_headers, refused_body = await _answer(shedding, "/api")
    assert refused_status == 503
    assert refused_headers[b"retry-after"] == b"1"
    assert json.loads(refused_body) == {"detail": "The server is busy; retry later"}
    assert (await _answer(shedding, "/health"))[0] == 200
    release.set()
    assert (await slow)[0] == 200
    assert (await _answer(shedding, "/api"))[0] == 200  # served again the moment it is free


@pytest.mark.anyio
async def test_a_request_is_served_when_a_place_frees_within_its_wait() -> None:
    release = asyncio.Event()
    shedding = _shedding(_slow_on("/slow", release), max_wait=5)
    slow = asyncio.create_task(_answer(shedding, "/slow"))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(_answer(shedding, "/api"))
    await asyncio.sleep(0.01)
    release.set()
    assert [(await slow)[0], (await waiting)[0]] == [200, 200]


@pytest.mark.anyio
async def test_refusals_are_counted_in_a_warning_at_most_once_a_second(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shedding = _shedding(_slow_on("/", asyncio.Event()), max_wait=0)
    await shedding.shedding.places.acquire()  # a request in flight holds the only place
    with caplog.at_level(logging.WARNING, logger="app.overload"):
        for _ in range(3):
            assert (await _answer(shedding, "/api"))[0] == 503
        shedding.shedding.last_report -= 1  # a second has passed since the last report
        await _answer(shedding, "/api")
    (record,) = [r for r in caplog.records if r.name == "app.overload"]
    assert record.__dict__["refused"] == 4
