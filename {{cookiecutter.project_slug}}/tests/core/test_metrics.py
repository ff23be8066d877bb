import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import create_db_engine
from {{ cookiecutter.package_name }}.infra.metrics import (
    MULTIPROCESS_DIR_VARIABLE,
    count_checked_out_connections,
)
from {{ cookiecutter.package_name }}.main import POLLED_PATHS

from ..conftest import ClientFactory

TODO_ROUTE = "/api/v1/todos/{todo_id}"


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample /metrics shows, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: TestClient,
) -> None:
    labels = {"method": "GET", "route": TODO_ROUTE, "status": "401"}
    before = scrape(client)
    for todo_id in (1, 2, 3):
        assert client.get(f"/api/v1/todos/{todo_id}").status_code == 401
    after = scrape(client)
    for name in ("http_requests_total", "http_request_duration_seconds_count"):
        assert value(after, name, **labels) - value(before, name, **labels) == 3
    assert not any("/api/v1/todos/1" in dict(labels).get("route", "") for _, labels in after)


def test_paths_no_route_matches_share_one_label(client: TestClient) -> None:
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = value(scrape(client), "http_requests_total", **labels)
    client.get("/no-such-page")
    client.get("/another/missing/page")
    after = scrape(client)
    assert value(after, "http_requests_total", **labels) - before == 2
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and "missing" in route for route in routes)


def test_unknown_methods_share_one_label(client: TestClient) -> None:
    labels = {"method": "other", "route": TODO_ROUTE, "status": "405"}
    before = value(scrape(client), "http_requests_total", **labels)
    client.request("PURGE", "/api/v1/todos/1")
    assert value(scrape(client), "http_requests_total", **labels) - before == 1


def test_probes_and_scrapes_are_not_measured(client: TestClient) -> None:
    for path in POLLED_PATHS:
        client.get(path)
    samples = scrape(client)
    assert not [labels for _, labels in samples if dict(labels).get("route") in POLLED_PATHS]
    assert value(samples, "http_requests_in_flight") == 0


def checked_out_connections() -> float | None:
    return REGISTRY.get_sample_value("db_pool_checked_out_connections")


@pytest.mark.anyio
async def test_checked_out_connections_follow_the_pool(settings: Settings) -> None:
    engine = create_db_engine(settings)
    with count_checked_out_connections(engine):
        before = checked_out_connections()
        assert before is not None
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert checked_out_connections() == before + 1
        assert checked_out_connections() == before
    async with engine.connect():
        assert checked_out_connections() == before  # no longer counted once closed
    await engine.dispose()


def test_metrics_are_not_in_the_openapi_document(client: TestClient) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.fixture
def guarded_client(client_with: ClientFactory) -> TestClient:
    return client_with(metrics_token=SecretStr("scrape-token"))


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "scrape-token"])
def test_a_metrics_token_is_required_when_set(
    guarded_client: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = guarded_client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_metrics_token_opens_metrics(guarded_client: TestClient) -> None:
    response = guarded_client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert response.status_code == 200
    assert "http_requests_total" in response.text


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As gunicorn's workers do: each process writes its own files, any one scrape sums them."""
    count_one_request = (
        "from {{ cookiecutter.package_name }}.infra.metrics import REQUESTS\n"
        "REQUESTS.labels('GET', '/elsewhere', '200').inc()\n"
    )
    environment = {**os.environ, MULTIPROCESS_DIR_VARIABLE: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count_one_request], env=environment, check=True)
    monkeypatch.setenv(MULTIPROCESS_DIR_VARIABLE, str(tmp_path))
    labels = {"method": "GET", "route": "/elsewhere", "status": "200"}
    assert value(scrape(client), "http_requests_total", **labels) == 2


def test_successful_scrapes_are_not_access_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/metrics")
        client.post("/metrics")
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert "POST /metrics 405" in record.getMessage()
