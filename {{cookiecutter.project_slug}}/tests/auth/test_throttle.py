{% if cookiecutter.background_jobs == "celery" -%}
import logging
{% endif -%}
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
{%- if cookiecutter.background_jobs == "celery" %}
from pydantic import SecretStr
from redis.asyncio import Redis
{%- endif %}

from {{ cookiecutter.package_name }}.core.config import Settings
{%- if cookiecutter.background_jobs == "celery" %}
from {{ cookiecutter.package_name }}.infra.throttle_redis import RedisThrottle
{%- else %}
from {{ cookiecutter.package_name }}.infra.throttle_memory import MemoryThrottle
{%- endif %}
from {{ cookiecutter.package_name }}.main import create_app

{% if cookiecutter.background_jobs == "celery" -%}
from ..conftest import ClientFactory
{% endif -%}
from ..factories import DEFAULT_PASSWORD, UserFactory
{%- if cookiecutter.background_jobs == "celery" %}
from ..smtp_server import free_port
{%- endif %}

TOKEN = "/api/v1/auth/token"


def _form(email: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": email, "password": password}


@pytest.fixture
def strict_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"login_max_failures": 2}))
    with TestClient(app) as client:
        yield client


def test_repeated_failures_are_throttled_with_retry_after(
    strict_client: TestClient, users: UserFactory
) -> None:
    user = users.create()
    for _ in range(2):
        wrong = strict_client.post(TOKEN, data=_form(user.email, "wrong"))
        assert wrong.status_code == 400
    blocked = strict_client.post(TOKEN, data=_form(user.email, DEFAULT_PASSWORD))
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json() == {"detail": "Too many failed login attempts; try again later"}


def test_unknown_accounts_are_throttled_too(strict_client: TestClient) -> None:
    form = _form("nobody@example.com", "guess")
    statuses = [strict_client.post(TOKEN, data=form).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_a_successful_login_resets_the_count(strict_client: TestClient, users: UserFactory) -> None:
    user = users.create()
    strict_client.post(TOKEN, data=_form(user.email, "wrong"))
    ok = strict_client.post(TOKEN, data=_form(user.email, DEFAULT_PASSWORD))
    assert ok.status_code == 200
    again = strict_client.post(TOKEN, data=_form(user.email, "wrong"))
    assert again.status_code == 400


{% if cookiecutter.background_jobs == "celery" -%}
def test_failures_count_across_workers(
    settings: Settings, users: UserFactory, client_with: ClientFactory
) -> None:
    """Two apps, as two gunicorn workers or replicas: their failures add up in Redis."""
    user = users.create()
    first, second = (client_with(login_max_failures=2) for _ in range(2))
    wrong = _form(user.email, "wrong")
    assert first.post(TOKEN, data=wrong).status_code == 400
    assert second.post(TOKEN, data=wrong).status_code == 400
    assert first.post(TOKEN, data=wrong).status_code == 429
    assert second.post(TOKEN, data=wrong).status_code == 429


@pytest.mark.anyio
async def test_throttle_forgets_failures_outside_its_window(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("time.time", lambda: now[0])
    async with Redis.from_url(redis_url) as redis:
        throttle = RedisThrottle(redis, max_failures=2, window_seconds=60)
        await throttle.record_failure("k")
        await throttle.record_failure("k")
        assert await throttle.retry_after("k") == 60
        now[0] += 61
        assert await throttle.retry_after("k") == 0


def test_logins_wait_while_redis_is_unreachable(
    client_with: ClientFactory, users: UserFactory
) -> None:
    """Failing safe: no login at all rather than unthrottled ones."""
    client = client_with(redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"))
    user = users.create()
    for password in ("wrong", DEFAULT_PASSWORD):
        answer = client.post(TOKEN, data=_form(user.email, password))
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert answer.json() == {"detail": "Unavailable for a moment; retry later"}


def test_an_unreachable_redis_is_logged_once_with_its_cause(
    client_with: ClientFactory, users: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_with(redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"))
    user = users.create()
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            client.post(TOKEN, data=_form(user.email, "wrong"))
    [record] = [r for r in caplog.records if "Redis (REDIS_URL) cannot be reached" in r.message]
    assert "Connect" in record.getMessage() or "refused" in record.getMessage().lower()
{%- else -%}
@pytest.mark.anyio
async def test_throttle_forgets_failures_outside_its_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    throttle = MemoryThrottle(max_failures=2, window_seconds=60)
    await throttle.record_failure("k")
    await throttle.record_failure("k")
    assert await throttle.retry_after("k") == 60
    now[0] += 61
    assert await throttle.retry_after("k") == 0


@pytest.mark.anyio
async def test_throttle_keeps_a_bounded_number_of_keys() -> None:
    throttle = MemoryThrottle(max_failures=1, window_seconds=60, max_keys=2)
    for key in ("a", "b", "c"):
        await throttle.record_failure(key)
    assert await throttle.retry_after("a") == 0  # the oldest key was forgotten
    assert await throttle.retry_after("c") > 0
{%- endif %}
