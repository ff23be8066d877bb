import logging

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.config import Settings
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
