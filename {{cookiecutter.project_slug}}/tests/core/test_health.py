import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app


def test_liveness_is_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_is_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


# A file SQLite cannot create, and a PostgreSQL port nothing listens on: asyncpg raises a bare
# ConnectionRefusedError there, not one of SQLAlchemy's errors.
UNREACHABLE_DATABASES = [
    "sqlite:////nonexistent/dir/app.db",
    "postgresql+psycopg2://nobody@127.0.0.1:9/nothing",
]


@pytest.fixture(params=UNREACHABLE_DATABASES)
def broken(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return settings.model_copy(update={"database_url": request.param})


def test_readiness_is_503_when_the_database_is_unreachable(broken: Settings) -> None:
    with TestClient(create_app(broken)) as client:
        liveness = client.get("/health")
        readiness = client.get("/health/ready")
    assert liveness.status_code == 200
    assert readiness.status_code == 503
    assert readiness.json()["detail"] == "Database unavailable"


def test_api_answers_503_json_when_the_database_is_unreachable(broken: Settings) -> None:
    with TestClient(create_app(broken)) as client:
        response = client.post(
            "/api/v1/auth/register",
            json={"email": "a@example.com", "password": "long enough password"},
        )
    assert response.status_code == 503
    assert response.json() == {"detail": "Service temporarily unavailable"}
    assert response.headers["Retry-After"] == "5"
