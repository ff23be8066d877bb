import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.infra import tracing
from {{ cookiecutter.package_name }}.infra.tracing import (
    ENDPOINT_VARIABLES,
    REQUEST_ID_ATTRIBUTE,
    tracer_provider_from_environment,
)
from {{ cookiecutter.package_name }}.main import create_app


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced_client(
    settings: Settings,
    session: Session,
    exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """An app traced as the environment's exporter would trace it, into memory instead."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "tracer_provider_from_environment", lambda: provider)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    provider.shutdown()


def server_span(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    (span,) = [span for span in spans if span.kind is SpanKind.SERVER]
    return span


def test_a_request_is_a_server_span_with_its_request_id_and_its_sql_as_children(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    response = traced_client.get("/health/ready", headers={"X-Request-ID": "trace-me-1"})
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    server = server_span(spans)
    assert server.attributes is not None
    assert server.attributes[REQUEST_ID_ATTRIBUTE] == "trace-me-1"
    assert server.attributes["http.route"] == "/health/ready"
    assert server.context is not None
    database = [span for span in spans if span.kind is SpanKind.CLIENT]
    assert database, [span.name for span in spans]
    assert {span.context.trace_id for span in database if span.context} == {server.context.trace_id}
    assert all(span.parent and span.parent.span_id == server.context.span_id for span in database)


def test_a_generated_request_id_is_on_the_span_too(
    traced_client: TestClient, exporter: InMemorySpanExporter
) -> None:
    response = traced_client.get("/health")
    attributes = server_span(exporter.get_finished_spans()).attributes
    assert attributes is not None
    assert attributes[REQUEST_ID_ATTRIBUTE] == response.headers["X-Request-ID"]


def test_without_an_exporter_endpoint_nothing_is_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert tracer_provider_from_environment() is None


@pytest.mark.parametrize("variable", ENDPOINT_VARIABLES)
def test_an_exporter_endpoint_turns_tracing_on(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:4318")
    provider = tracer_provider_from_environment()
    assert isinstance(provider, TracerProvider)
    provider.shutdown()


def test_the_served_app_is_traced_when_an_exporter_endpoint_is_set() -> None:
    code = (
        "from {{ cookiecutter.package_name }}.infra.tracing import RequestIdSpanMiddleware\n"
        "from {{ cookiecutter.package_name }}.main import create_served_app\n"
        "middleware = [each.cls for each in create_served_app().user_middleware]\n"
        "assert RequestIdSpanMiddleware in middleware, middleware\n"
    )
    endpoint = {ENDPOINT_VARIABLES[0]: "http://127.0.0.1:4318"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **endpoint},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
