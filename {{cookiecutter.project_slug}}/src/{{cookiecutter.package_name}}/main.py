{%- set metrics = cookiecutter.observability != "none" -%}
{%- set tracing = cookiecutter.observability == "otel" -%}
{%- set admin = cookiecutter.admin == "y" -%}
{%- set celery = cookiecutter.background_jobs == "celery" -%}
"""The ASGI application factory. Servers call `create_served_app()` (gunicorn_conf.py names
it); importing this module reads no settings, configures nothing and opens nothing."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
{%- if celery %}
from redis.asyncio import Redis
{%- endif %}
from sqlalchemy.ext.asyncio import async_sessionmaker
{% if admin %}
from .admin.setup import mount_admin
{%- endif %}
from .auth.throttle import LoginThrottle
from .core.config import Settings, get_settings
from .core.db import create_db_engine
from .core.docs import mount_docs
from .core.error_handlers import register_error_handlers
from .core.error_reporting import report_errors_to_sentry
from .core.logging import configure_logging
{%- if metrics %}
from .core.metrics import METRICS_PATH, MetricsMiddleware, count_checked_out_connections
from .core.metrics import router as metrics_router
{%- endif %}
from .core.middleware import (
    BodySizeLimitMiddleware,
    LoadSheddingMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from .core.responses import error_responses
{%- if tracing %}
from .core.tracing import trace_app, trace_engine, tracer_provider_from_environment
{%- endif %}
from .domains import API_PREFIX, api_routers
from .health.router import PROBE_PATHS
from .health.router import router as health_router
{%- if celery %}
from .jobs.celery_app import use_settings as use_celery_settings
from .mail.queued import QueuedMailSender
{%- else %}
from .mail.sender import MailSender
{%- endif %}
{%- if metrics %}

# Polled by machines every few seconds: never refused by load shedding (an overloaded worker
# is exactly when they matter), not access-logged when they succeed, and not measured.
POLLED_PATHS = PROBE_PATHS | {METRICS_PATH}
{%- else %}

POLLED_PATHS = PROBE_PATHS
{%- endif %}
{%- if celery %}
# Seconds a login waits for Redis (its failure counts) before its 503.
REDIS_TIMEOUT = 2.0
{%- endif %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_db_engine(app.state.settings)
    app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
{%- if admin %}
    if app.state.settings.admin_enabled:
        app.state.admin_sessions.configure(bind=engine)
{%- endif %}
{%- if celery %}
    settings: Settings = app.state.settings
    redis = Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )
    app.state.login_throttle = LoginThrottle(
        redis,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )
{%- endif %}
{%- if metrics %}
    count_checked_out_connections(engine)
{%- endif %}
    try:
{%- if tracing %}
        with trace_engine(app, engine):
            yield
{%- else %}
        yield
{%- endif %}
    finally:
{%- if celery %}
        await redis.aclose()
{%- endif %}
        await engine.dispose()


def operation_id(route: APIRoute) -> str:
    """Short, unique operation ids for generated clients: `todos-read-page`, `auth-login`."""
    name = route.name.replace("_", "-")
    return f"{route.tags[0]}-{name}" if route.tags else name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.serve_docs
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        version="{{ cookiecutter.version }}",
        description={{ cookiecutter.description | tojson }},
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by mount_docs, from local assets
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    if docs:
        mount_docs(app)
    app.state.settings = settings
{%- if celery %}
    use_celery_settings(settings)
    app.state.mail_sender = QueuedMailSender(settings)
{%- else %}
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    app.state.mail_sender = MailSender(settings)
{%- endif %}
    register_error_handlers(app)

    # Added innermost first: a request meets LoadShedding, then RequestContext, ...
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        RequestContextMiddleware,
        access_log=settings.access_log,
        quiet_paths=frozenset() if settings.access_log_probes else POLLED_PATHS,
    )
    app.add_middleware(
        LoadSheddingMiddleware,
        max_in_flight=settings.max_requests_in_flight,
        max_wait=settings.max_request_wait,
        exempt_paths=POLLED_PATHS,
    )
{%- if metrics %}
    # Outermost: requests the load shedder refuses are counted too.
    app.add_middleware(MetricsMiddleware, exempt_paths=POLLED_PATHS)
{%- endif %}

    app.include_router(health_router)
{%- if metrics %}
    app.include_router(metrics_router)
{%- endif %}
    for router in api_routers():
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
        )
{%- if admin %}
    if settings.admin_enabled:
        app.state.admin_sessions = mount_admin(app, settings)
{%- endif %}
    return app


def create_served_app() -> FastAPI:
    """The app a server runs, in each worker: settings from the environment and `.env`,
    logging configured, errors reported. Tests build apps with `create_app(settings)` and
    leave the process-wide set-up alone."""
    settings = get_settings()
    configure_logging(settings)
    report_errors_to_sentry(settings)
{%- if tracing %}
    app = create_app(settings)
    tracer_provider = tracer_provider_from_environment()
    if tracer_provider is not None:
        trace_app(app, tracer_provider)
    return app
{%- else %}
    return create_app(settings)
{%- endif %}
