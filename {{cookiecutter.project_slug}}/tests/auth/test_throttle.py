from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.auth.throttle import LoginThrottle
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from ..factories import DEFAULT_PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token"


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
        wrong = strict_client.post(TOKEN, data={"username": user.email, "password": "wrong"})
        assert wrong.status_code == 401
    blocked = strict_client.post(TOKEN, data={"username": user.email, "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json() == {"detail": "Too many failed login attempts; try again later"}


def test_unknown_accounts_are_throttled_too(strict_client: TestClient) -> None:
    form = {"username": "nobody@example.com", "password": "guess"}
    statuses = [strict_client.post(TOKEN, data=form).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_a_successful_login_resets_the_count(strict_client: TestClient, users: UserFactory) -> None:
    user = users.create()
    strict_client.post(TOKEN, data={"username": user.email, "password": "wrong"})
    ok = strict_client.post(TOKEN, data={"username": user.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 200
    again = strict_client.post(TOKEN, data={"username": user.email, "password": "wrong"})
    assert again.status_code == 401


def test_throttle_forgets_failures_outside_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    throttle = LoginThrottle(max_failures=2, window_seconds=60)
    throttle.record_failure("k")
    throttle.record_failure("k")
    assert throttle.retry_after("k") == 60
    now[0] += 61
    assert throttle.retry_after("k") == 0


def test_throttle_keeps_a_bounded_number_of_keys() -> None:
    throttle = LoginThrottle(max_failures=1, window_seconds=60, max_keys=2)
    for key in ("a", "b", "c"):
        throttle.record_failure(key)
    assert throttle.retry_after("a") == 0  # the oldest key was forgotten
    assert throttle.retry_after("c") > 0
