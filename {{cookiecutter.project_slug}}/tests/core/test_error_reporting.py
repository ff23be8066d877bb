import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.error_reporting import (
    REQUEST_ID_TAG,
    report_errors_to_sentry,
)
from {{ cookiecutter.package_name }}.main import create_app


class SentryStandIn(ThreadingHTTPServer):
    """A local HTTP server in Sentry's place: keeps the items of every envelope posted to it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.items: list[dict[str, Any]] = []

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server_address[1]}/1"


class _EnvelopeHandler(BaseHTTPRequestHandler):
    server: SentryStandIn

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        # An envelope: a header line, then (item header line, item payload line) pairs.
        lines = body.splitlines()
        self.server.items.extend(json.loads(line) for line in lines[2::2])
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output quiet


@pytest.fixture
def sentry() -> Iterator[SentryStandIn]:
    server = SentryStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.get_client().close()
    server.shutdown()
    server.server_close()


def test_an_unhandled_error_reaches_sentry_with_its_request_id(
    settings: Settings, sentry: SentryStandIn
) -> None:
    report_errors_to_sentry(settings.model_copy(update={"sentry_dsn": SecretStr(sentry.dsn)}))
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the error Sentry should see")

    with TestClient(app) as client:
        response = client.get("/boom", headers={"X-Request-ID": "sentry-check-7"})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)
    [event] = [item for item in sentry.items if "exception" in item]
    assert event["tags"][REQUEST_ID_TAG] == "sentry-check-7"
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the error Sentry should see"


def test_an_empty_sentry_dsn_is_unset(settings: Settings) -> None:
    assert Settings(_env_file=None, sentry_dsn="").sentry_dsn is None


def test_unconfigured_the_served_app_imports_no_sentry_or_tracing() -> None:
    """Error reporting and tracing cost nothing at start-up unless they are configured."""
    code = (
        "import json, sys\n"
        "from {{ cookiecutter.package_name }}.main import create_served_app\n"
        "create_served_app()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    unconfigured = {
        name: value
        for name, value in os.environ.items()
        if name != "SENTRY_DSN" and not name.startswith("OTEL_")
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=unconfigured, capture_output=True, text=True, check=True
    )
    imported = json.loads(result.stdout)
{%- if cookiecutter.background_jobs == "celery" %}
    # FastAPI itself imports the OpenTelemetry API when it is installed, and redis-py (7.2 and
    # later) its metrics SDK, unconfigured; the tracing SDK, exporter and instrumentations are
    # this project's to load.
    unwanted = (
        "sentry_sdk",
        "opentelemetry.sdk.trace",
        "opentelemetry.exporter",
        "opentelemetry.inst",
    )
{%- else %}
    # FastAPI itself imports the OpenTelemetry API when it is installed; the SDK, exporter
    # and instrumentations are this project's to load.
    unwanted = ("sentry_sdk", "opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.inst")
{%- endif %}
    assert [name for name in imported if name.startswith(unwanted)] == []
    assert "fastapi" in imported
