import os
import subprocess
import sys

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app


def test_unhandled_error_is_a_json_500_without_internals(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert "secret" not in response.text


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_cors_allows_only_configured_origins(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example"]}))
    preflight = {"Access-Control-Request-Method": "GET"}
    with TestClient(app) as client:
        allowed = client.options("/health", headers={"Origin": "https://app.example", **preflight})
        denied = client.options("/health", headers={"Origin": "https://evil.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in denied.headers


def test_a_body_that_is_not_utf8_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        content=b'{"email": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_nan_or_infinity_in_a_body_is_422(client: TestClient) -> None:
    """Python's JSON parser accepts these non-JSON tokens; they must not become a 500."""
    for token in ("NaN", "Infinity", "-Infinity"):
        response = client.post(
            "/api/v1/auth/register",
            content='{"email": ' + token + ', "password": "long enough"}',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "email"]
        assert "input" not in response.json()["detail"][0]


def test_method_not_allowed_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.put("/api/v1/todos/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, PATCH"
    assert response.json() == {"detail": "Method Not Allowed"}


def test_every_error_status_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    login = paths["/api/v1/auth/token"]["post"]["responses"]
    assert {"400", "413", "429", "503"} <= set(login)
    todo = paths["/api/v1/todos/{todo_id}"]["patch"]["responses"]
    assert {"401", "404", "413", "422", "503"} <= set(todo)


def test_importing_main_reads_no_settings_and_configures_nothing() -> None:
    """Servers build the app through the factory; an import alone must not fail on bad
    settings, read `.env` or take over logging."""
    code = (
        "import logging\n"
        "from {{ cookiecutter.package_name }} import main\n"
        "from {{ cookiecutter.package_name }}.core.config import get_settings\n"
        "assert get_settings.cache_info().currsize == 0\n"
        "assert not logging.getLogger().handlers\n"
    )
    refused = {"ENVIRONMENT": "production", "SECRET_KEY": "too short"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **refused},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_served_app_configures_logging_from_the_settings() -> None:
    code = (
        "import logging\n"
        "from {{ cookiecutter.package_name }}.main import create_served_app\n"
        "create_served_app()\n"
        "assert logging.getLogger().level == logging.WARNING\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
