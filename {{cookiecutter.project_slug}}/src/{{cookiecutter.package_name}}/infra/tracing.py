"""OpenTelemetry traces of requests and their SQL, exported over OTLP (HTTP/protobuf).

Configured only by the standard OTEL_* environment variables, and on only when an exporter
endpoint is set; otherwise nothing of OpenTelemetry is imported. Set up per process, after
gunicorn forks (the exporter's thread and connections do not survive a fork).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.config import Settings
from ..core.logging import request_id_var
from ..core.part import EngineHook, Part

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
REQUEST_ID_ATTRIBUTE = "request.id"


def tracer_provider_from_environment() -> "TracerProvider | None":
    """A provider exporting to the OTLP endpoint the environment names, or None without one.
    Service name, resource attributes, sampler and batching follow their OTEL_* variables."""
    if not any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class RequestIdSpanMiddleware:
    """Put the request's id on its server span (the current span while the app runs)."""

    def __init__(self, app: ASGIApp) -> None:
        from opentelemetry import trace

        self.app = app
        self.current_span = trace.get_current_span

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        span = self.current_span()

        async def send_tagging_span(message: Message) -> None:
            # By the time the answer starts, the request-context middleware has set the id.
            if message["type"] == "http.response.start":
                span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id_var.get())
            await send(message)

        await self.app(scope, receive, send_tagging_span)


def trace_app(app: FastAPI, provider: "TracerProvider") -> None:
    """Trace every request `app` serves with `provider`."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, exclude_spans=["receive", "send"]
    )
    app.add_middleware(RequestIdSpanMiddleware)


@contextmanager
def trace_engine(provider: "TracerProvider", engine: AsyncEngine) -> Iterator[None]:
    """While open, trace `engine`'s statements with `provider`, as children of the request
    spans `trace_app` makes."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    # The instrumentation declares SQLAlchemy < 2.1 and would otherwise refuse (with a log
    # line only); the engine events it uses are unchanged in 2.1, as the tests show.
    instrumentor.instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )
    try:
        yield
    finally:
        instrumentor.uninstrument()


def _mount(app: FastAPI, _settings: Settings, _polled_paths: frozenset[str]) -> EngineHook | None:
    """Trace the app's requests and SQL when the environment names an exporter endpoint."""
    provider = tracer_provider_from_environment()
    if provider is None:
        return None
    trace_app(app, provider)
    return partial(trace_engine, provider)


part = Part(mount=_mount)
