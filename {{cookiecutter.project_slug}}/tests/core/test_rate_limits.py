"""Per-client rate limits: RATE_LIMIT_API per user (all their logins) and per API key,
RATE_LIMIT_AUTH per client address on the anonymous auth endpoints; the RateLimit-Policy and
RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10) on the answers, a 429 with
Retry-After past the quota, and the probes never limited."""

{% if cookiecutter.background_jobs == "celery" -%}
import logging
{% endif -%}
import re
from collections.abc import Mapping
from typing import Any

import pytest
{%- if cookiecutter.background_jobs == "none" %}
from fastapi import Request, Response
{%- endif %}
from fastapi.testclient import TestClient
{%- if cookiecutter.background_jobs == "celery" %}
from pydantic import SecretStr
from redis.asyncio import Redis
{%- endif %}
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.config import ConfigurationError, Settings, load_settings
from {{ cookiecutter.package_name }}.core.quota import Quota
{%- if cookiecutter.background_jobs == "celery" %}
from {{ cookiecutter.package_name }}.infra.rate_counter_redis import RedisRateCounter
{%- else %}
from {{ cookiecutter.package_name }}.infra.rate_counter_memory import MemoryRateCounter
from {{ cookiecutter.package_name }}.infra.rate_limit import RateLimit
{%- endif %}
from {{ cookiecutter.package_name }}.main import create_app

from ..conftest import ClientFactory
from ..factories import UserFactory, api_key_headers
{%- if cookiecutter.background_jobs == "celery" %}
from ..smtp_server import free_port
{%- endif %}

ME = "/api/v1/users/me"
TOKEN = "/api/v1/auth/token"
THREE_A_MINUTE = Quota(requests=3, window_seconds=60)


def _limit(headers: Mapping[str, str]) -> tuple[str, int, int]:
    """The RateLimit field's policy, requests left `r` and seconds `t` until the window ends
    (within the window's 60)."""
    match = re.fullmatch(r'"(api|auth)";r=(\d+);t=(\d+)', headers["RateLimit"])
    assert match is not None, headers["RateLimit"]
    policy, left, reset = match[1], int(match[2]), int(match[3])
    assert 0 < reset <= THREE_A_MINUTE.window_seconds
    return policy, left, reset


def _api_limited(client_with: ClientFactory) -> TestClient:
    return client_with(rate_limit_api=THREE_A_MINUTE)


def _spend(client: TestClient, count: int, path: str = ME, **request: Any) -> list[int]:
    return [client.get(path, **request).status_code for _ in range(count)]


def test_an_answer_carries_the_policy_and_what_is_left_of_it(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = _api_limited(client_with)
    headers = users.login_headers(client, users.create())
    answers = [client.get(ME, headers=headers) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert {answer.headers["RateLimit-Policy"] for answer in answers} == {'"api";q=3;w=60'}
    assert [_limit(answer.headers)[:2] for answer in answers] == [("api", 2), ("api", 1)]


def test_past_the_quota_a_429_says_when_to_retry(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = _api_limited(client_with)
    headers = users.login_headers(client, users.create())
    assert _spend(client, 3, headers=headers) == [200, 200, 200]
    refused = client.get(ME, headers=headers)
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests; try again later (see Retry-After)"}
    assert _limit(refused.headers) == ("api", 0, int(refused.headers["Retry-After"]))
    assert refused.headers["RateLimit-Policy"] == '"api";q=3;w=60'


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/todos/999", 404), ("/api/v1/todos?limit=0", 422), ("/api/v1/users", 403)],
)
def test_an_error_answer_carries_the_fields_too(
    client_with: ClientFactory, users: UserFactory, path: str, status: int
) -> None:
    client = _api_limited(client_with)
    headers = users.login_headers(client, users.create())
    answer = client.get(path, headers=headers)
    assert answer.status_code == status
    assert _limit(answer.headers)[:2] == ("api", 2)


def test_an_answer_that_says_itself_when_to_retry_carries_only_that(
    client_with: ClientFactory, users: UserFactory
) -> None:
    """A throttled login's Retry-After may be sooner than the window's reset, which the
    draft (§6) forbids beside the RateLimit field."""
    client = client_with(rate_limit_auth=THREE_A_MINUTE, login_max_failures=1)
    wrong = {"grant_type": "password", "username": users.create().email, "password": "wrong"}
    failed, throttled = client.post(TOKEN, data=wrong), client.post(TOKEN, data=wrong)
    assert failed.status_code == 400
    assert _limit(failed.headers)[:2] == ("auth", 2)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    assert "RateLimit" not in throttled.headers


def test_an_unknown_caller_is_not_counted(client_with: ClientFactory) -> None:
    answer = _api_limited(client_with).get(ME, headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401
    assert "RateLimit" not in answer.headers


def test_a_users_logins_share_one_budget(client_with: ClientFactory, users: UserFactory) -> None:
    client = _api_limited(client_with)
    user = users.create()
    first, second = users.login_headers(client, user), users.login_headers(client, user)
    assert _spend(client, 2, headers=first) == [200, 200]
    assert _spend(client, 2, headers=second) == [200, 429]
    # Someone else's budget is their own.
    assert _spend(client, 1, headers=users.login_headers(client, users.create())) == [200]


def test_each_api_key_has_a_budget_of_its_own(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = _api_limited(client_with)
    login = users.login_headers(client, users.create())
    first, second = (api_key_headers(client, login, "todos:read") for _ in range(2))
    todos = "/api/v1/todos"
    assert _spend(client, 4, todos, headers=first) == [200, 200, 200, 429]
    assert _spend(client, 4, todos, headers=second) == [200, 200, 200, 429]
    # The keys' requests were not the login's: it made only the two that created them.
    assert _spend(client, 2, headers=login) == [200, 429]


def _reached_from(app: ASGIApp) -> ASGIApp:
    """`app`, reached from the address that a request's `X-Test-Client` header names."""

    async def reached(scope: Scope, receive: Receive, send: Send) -> None:
        address = dict(scope.get("headers", ())).get(b"x-test-client")
        if address is not None:
            scope = {**scope, "client": (address.decode(), 50000)}
        await app(scope, receive, send)

    return reached


def test_anonymous_auth_requests_are_limited_per_client_address(settings: Settings) -> None:
    """An empty form is refused (400) before any query: the request is counted all the same."""
    app = create_app(settings.model_copy(update={"rate_limit_auth": THREE_A_MINUTE}))
    with TestClient(_reached_from(app)) as client:
        answers = [client.post(TOKEN, data={}) for _ in range(4)]
        elsewhere = client.post(TOKEN, data={}, headers={"X-Test-Client": "203.0.113.7"})
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert _limit(answers[0].headers)[:2] == ("auth", 2)
    assert answers[3].headers["RateLimit-Policy"] == '"auth";q=3;w=60'
    assert _limit(answers[3].headers) == ("auth", 0, int(answers[3].headers["Retry-After"]))
    assert elsewhere.status_code == 400


def test_a_revocation_answer_carries_the_fields_too(client_with: ClientFactory) -> None:
    client = client_with(rate_limit_auth=THREE_A_MINUTE)
    answer = client.post("/api/v1/auth/revoke", data={"token": "not-a-token"})
    assert answer.status_code == 200
    assert _limit(answer.headers)[:2] == ("auth", 2)
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
def test_probes_are_never_limited(client_with: ClientFactory, path: str) -> None:
    client = client_with(
        rate_limit_api=Quota(requests=1, window_seconds=60),
        rate_limit_auth=Quota(requests=1, window_seconds=60),
    )
    answers = [client.get(path) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert not any("RateLimit" in answer.headers for answer in answers)


def test_without_a_quota_nothing_is_counted_nor_advertised(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    answer = client.get(ME, headers=auth_headers)
    assert "RateLimit" not in answer.headers
    assert "RateLimit-Policy" not in answer.headers


def test_the_openapi_document_declares_the_fields_and_the_429(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for operation in (paths[ME]["get"], paths[TOKEN]["post"], paths["/api/v1/todos"]["post"]):
        for code, answer in operation["responses"].items():
            fields = {"RateLimit-Policy", "RateLimit"} & set(answer.get("headers", ()))
            assert fields == (set() if code == "401" else {"RateLimit-Policy", "RateLimit"})
        too_many = operation["responses"]["429"]
        assert "Retry-After" in too_many["headers"]
        schema = too_many["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorMessage"}
    assert "429" not in paths["/health/ready"]["get"]["responses"]


def test_every_api_operation_is_limited_by_its_caller_or_its_client(client: TestClient) -> None:
    """What the document declares holds: an operation under /api/v1 needs a bearer token
    (charged to the caller) or is an anonymous auth endpoint (charged to the client)."""
    paths = client.get("/openapi.json").json()["paths"]
    unlimited = [
        (method, path)
        for path, operations in paths.items()
        if path.startswith("/api/v1/") and not path.startswith("/api/v1/auth/")
        for method, operation in operations.items()
        if not operation.get("security")
    ]
    assert unlimited == []


@pytest.mark.parametrize(
    ("value", "quota"),
    [("600/60", Quota(600, 60)), (" 5/1 ", Quota(5, 1)), ("0", None)],
)
def test_a_limit_is_read_from_its_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, quota: Quota | None
) -> None:
    monkeypatch.setenv("RATE_LIMIT_API", value)
    assert load_settings().rate_limit_api == quota


@pytest.mark.parametrize("value", ["600", "600/0", "0/60", "ten/60", "600/60s", "-1/60", ""])
def test_a_malformed_limit_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RATE_LIMIT_AUTH", value)
    with pytest.raises(ConfigurationError, match=r"RATE_LIMIT_AUTH: must be <requests>/<seconds>"):
        load_settings()


{%- if cookiecutter.background_jobs == "celery" %}


@pytest.mark.anyio
async def test_workers_counting_in_redis_share_one_window(redis_url: str) -> None:
    async with Redis.from_url(redis_url) as one, Redis.from_url(redis_url) as other:
        first, second = RedisRateCounter(one), RedisRateCounter(other)
        assert await first.count("k", window_seconds=60) == (1, 60)
        assert await second.count("k", window_seconds=60) == (2, 60)
        assert 0 < await one.ttl("rate-limit:k") <= 60


def test_while_redis_is_unreachable_each_worker_counts_for_itself(
    client_with: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The API stays up (a job committed to the outbox is still accepted), and limited."""
    client = client_with(
        rate_limit_auth=THREE_A_MINUTE,
        redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"),
    )
    with caplog.at_level(logging.ERROR):
        answers = [client.post(TOKEN, data={}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert [answer.headers["RateLimit"] for answer in answers[:3]] == [
        '"auth";r=2;t=60',
        '"auth";r=1;t=60',
        '"auth";r=0;t=60',
    ]
    [record] = [r for r in caplog.records if "Redis (REDIS_URL) cannot be reached" in r.message]
    assert "rate limits are counted in each worker" in record.getMessage()
{%- else %}


@pytest.mark.anyio
async def test_a_request_is_charged_once_however_often_its_caller_is_resolved() -> None:
    limit = RateLimit("api", THREE_A_MINUTE, MemoryRateCounter())
    first, second = Response(), Response()
    for _ in range(2):
        await limit.charge("user:1", Request({"type": "http"}), first)
    await limit.charge("user:1", Request({"type": "http"}), second)
    assert first.headers["RateLimit"] == '"api";r=2;t=60'
    assert second.headers["RateLimit"] == '"api";r=1;t=60'


@pytest.mark.anyio
async def test_a_window_starts_again_once_it_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    counter = MemoryRateCounter()
    assert await counter.count("k", window_seconds=60) == (1, 60)
    now[0] += 59.5
    assert await counter.count("k", window_seconds=60) == (2, 1)
    now[0] += 1
    assert await counter.count("k", window_seconds=60) == (1, 60)


@pytest.mark.anyio
async def test_the_memory_counter_keeps_a_bounded_number_of_keys() -> None:
    counter = MemoryRateCounter(max_keys=2)
    for key in ("a", "b", "a", "c"):
        await counter.count(key, window_seconds=60)
    assert await counter.count("a", window_seconds=60) == (3, 60)
    assert await counter.count("b", window_seconds=60) == (1, 60)  # forgotten, counts anew


@pytest.mark.anyio
async def test_a_new_window_never_reports_more_seconds_than_it_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On this clock reading `(now + 60) - now` is 60.000000000000114 in floating point."""
    monkeypatch.setattr("time.monotonic", lambda: 1000.003)
    assert await MemoryRateCounter().count("a", window_seconds=60) == (1, 60)
{%- endif %}
