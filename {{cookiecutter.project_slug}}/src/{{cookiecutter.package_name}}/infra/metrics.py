"""Prometheus metrics at GET /metrics: requests by route template, method and status, their
latency, requests in flight, and checked-out database connections.

Under gunicorn each worker writes its values to files in PROMETHEUS_MULTIPROC_DIR (set up by
gunicorn_conf.py) and a scrape, whichever worker answers it, adds up every worker's files.
"""

import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Response, status
from fastapi.routing import RouteContext, iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.config import Settings
from ..core.part import EngineHook, Part
from .context import SettingsDep

METRICS_PATH = "/metrics"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Labels come from bounded sets only: a path no route matches, or a method nobody serves,
# would otherwise add a time series per distinct value a client sends.
UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Declared once per process, as prometheus-client expects (each name registers once); in
# multiprocess mode every metric declared is exported. Live gauges sum over the workers alive.
REQUESTS = Counter("http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from receiving an HTTP request to sending its answer.",
    ["method", "route", "status"],
)
REQUESTS_IN_FLIGHT = Gauge(
    "http_requests_in_flight", "HTTP requests being served.", multiprocess_mode="livesum"
)
CHECKED_OUT_CONNECTIONS = Gauge(
    "db_pool_checked_out_connections",
    "Database connections taken from the pool and not yet returned.",
    multiprocess_mode="livesum",
)


def _contexts_by_route(routes: Sequence[BaseRoute]) -> dict[int, list[RouteContext]]:
    """Each route (by identity) with its full paths: since FastAPI 0.137 the route a request
    matched (`scope["route"]`) knows only its path within its router, not the prefixes."""
    contexts: dict[int, list[RouteContext]] = {}
    for context in iter_route_contexts(routes):
        contexts.setdefault(id(context.original_route), []).append(context)
    return contexts


class MetricsMiddleware:
    """Count and time every HTTP request by route template, method and status, except those
    to `exempt_paths`: probes and scrapes are noise in an operator's rates and latencies, and
    each request measured costs a few writes to the workers' metric files."""

    def __init__(self, app: ASGIApp, *, exempt_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt_paths = exempt_paths
        self.contexts: dict[int, list[RouteContext]] | None = None  # built on first use
        # Label children looked up once each (the label sets are bounded, see above).
        self.series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def _route_template(self, scope: Scope) -> str:
        route = scope.get("route")  # set by the router on the scope passed down to it
        if route is None:
            return UNMATCHED_ROUTE
        if self.contexts is None:
            self.contexts = _contexts_by_route(scope["app"].routes)
        contexts = self.contexts.get(id(route), [])
        # A router included under several prefixes: the one this path came through.
        matching = (c for c in contexts if len(contexts) == 1 or c.path_regex.match(scope["path"]))
        return next((c.path_format for c in matching if c.path_format), UNMATCHED_ROUTE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response_status = status.HTTP_500_INTERNAL_SERVER_ERROR

        async def send_noting_status(message: Message) -> None:
            nonlocal response_status
            if message["type"] == "http.response.start":
                response_status = message["status"]
            await send(message)

        REQUESTS_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            REQUESTS_IN_FLIGHT.dec()
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else OTHER_METHOD
            labels = (method, self._route_template(scope), str(response_status))
            series = self.series.get(labels)
            if series is None:
                series = self.series[labels] = (
                    REQUESTS.labels(*labels),
                    REQUEST_DURATION.labels(*labels),
                )
            requests, duration = series
            requests.inc()
            duration.observe(time.perf_counter() - started)


@contextmanager
def count_checked_out_connections(engine: AsyncEngine) -> Iterator[None]:
    """While open, keep CHECKED_OUT_CONNECTIONS up to date with `engine`'s pool."""

    def checked_out(*_: object) -> None:
        CHECKED_OUT_CONNECTIONS.inc()

    def checked_in(*_: object) -> None:
        CHECKED_OUT_CONNECTIONS.dec()

    listeners = (("checkout", checked_out), ("checkin", checked_in))
    for name, listener in listeners:
        event.listen(engine.sync_engine, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            event.remove(engine.sync_engine, name, listener)


async def _require_metrics_token(
    settings: SettingsDep, authorization: Annotated[str, Header()] = ""
) -> None:
    """With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` may scrape."""
    if settings.metrics_token is None:
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    if not secrets.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _registry() -> CollectorRegistry:
    """Every worker's values under gunicorn; this process's own otherwise (tests, one process)."""
    if MULTIPROCESS_DIR_VARIABLE not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


router = APIRouter(include_in_schema=False, dependencies=[Depends(_require_metrics_token)])


# A plain `def`: it reads the workers' files, which must not block the event loop.
@router.get(METRICS_PATH)
def metrics() -> Response:
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def _mount(app: FastAPI, _settings: Settings, polled_paths: frozenset[str]) -> EngineHook:
    # Outside the app's own middleware: requests the load shedder refuses are counted too.
    app.add_middleware(MetricsMiddleware, exempt_paths=polled_paths)
    app.include_router(router)
    return count_checked_out_connections


part = Part(mount=_mount, polled_paths=frozenset({METRICS_PATH}))
