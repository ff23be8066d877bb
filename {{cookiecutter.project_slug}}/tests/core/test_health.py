import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
{%- if cookiecutter.background_jobs == "celery" %}
from pydantic import SecretStr
{%- endif %}

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.health.router import liveness
from {{ cookiecutter.package_name }}.health.schemas import Liveness
from {{ cookiecutter.package_name }}.main import create_app
{%- if cookiecutter.background_jobs == "celery" %}

from ..conftest import ClientFactory
from ..smtp_server import free_port
{%- endif %}


def test_liveness_is_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.anyio
async def test_the_edge_sends_the_answer_the_liveness_route_declares(client: TestClient) -> None:
    sent_by_the_edge = client.get("/health")
    assert Liveness.model_validate_json(sent_by_the_edge.content) == await liveness()
    assert sent_by_the_edge.headers["content-type"] == "application/json"
    assert int(sent_by_the_edge.headers["content-length"]) == len(sent_by_the_edge.content)
    document = client.get("/openapi.json").json()
    assert "Liveness" in str(document["paths"]["/health"]["get"]["responses"]["200"])


def test_readiness_is_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
{%- if cookiecutter.background_jobs == "celery" %}
    assert response.json()["redis"] == "ok"


def test_readiness_is_503_when_redis_is_unreachable(client_with: ClientFactory) -> None:
    """Logins and jobs need Redis: a replica without it must leave the load balancer."""
    client = client_with(redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"))
    readiness = client.get("/health/ready")
    assert readiness.status_code == 503
    assert readiness.json() == {"status": "unavailable", "detail": "Redis unavailable"}
{%- endif %}


# A file SQLite cannot create, and a PostgreSQL port nothing listens on: asyncpg raises a bare
# ConnectionRefusedError there, not one of SQLAlchemy's errors.
UNREACHABLE_DATABASES = [
    "sqlite:////nonexistent/dir/app.db",
    "postgresql+psycopg2://nobody@127.0.0.1:9/nothing",
]


@pytest.fixture(params=UNREACHABLE_DATABASES)
def broken_client(settings: Settings, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    broken = settings.model_copy(update={"database_url": request.param})
    with TestClient(create_app(broken)) as client:
        threads_before = set(threading.enumerate())
        yield client
        # aiosqlite stops a connection that failed to open on its own thread, which then
        # reports back to the event loop: wait for it while TestClient's loop still runs (on
        # a busy machine it could otherwise report to a closed loop and fail a later test).
        for thread in set(threading.enumerate()) - threads_before:
            if thread.name.endswith("(_connection_worker_thread)"):
                thread.join(timeout=10)


def test_readiness_is_503_when_the_database_is_unreachable(broken_client: TestClient) -> None:
    liveness = broken_client.get("/health")
    readiness = broken_client.get("/health/ready")
    assert liveness.status_code == 200
    assert readiness.status_code == 503
    assert readiness.json()["detail"] == "Database unavailable"


def test_api_answers_503_json_when_the_database_is_unreachable(broken_client: TestClient) -> None:
    response = broken_client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.com", "password": "long enough password"},
    )
    assert response.status_code == 503
    assert response.json() == {"detail": "Service temporarily unavailable"}
    assert response.headers["Retry-After"] == "5"
