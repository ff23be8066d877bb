"""The ASGI application factory. Servers call `create_served_app()` (gunicorn_conf.py names
it); importing this module reads no settings, configures nothing and opens nothing."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import async_sessionmaker

from .auth.throttle import LoginThrottle
from .core.config import Settings, get_settings
from .core.db import create_db_engine
from .core.docs import mount_docs
from .core.error_handlers import register_error_handlers
from .core.logging import configure_logging
from .core.middleware import (
    BodySizeLimitMiddleware,
    LoadSheddingMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from .core.responses import error_responses
from .domains import API_PREFIX, api_routers
from .health.router import PROBE_PATHS
from .health.router import router as health_router
from .mail.sender import MailSender


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_db_engine(app.state.settings)
    app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
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
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    app.state.mail_sender = MailSender(settings)
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
        quiet_paths=frozenset() if settings.access_log_probes else PROBE_PATHS,
    )
    app.add_middleware(
        LoadSheddingMiddleware,
        max_in_flight=settings.max_requests_in_flight,
        max_wait=settings.max_request_wait,
        exempt_paths=PROBE_PATHS,
    )

    app.include_router(health_router)
    for router in api_routers():
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
        )
    return app


def create_served_app() -> FastAPI:
    """The app a server runs: settings from the environment and `.env`, logging configured.
    Tests build apps with `create_app(settings)` and leave logging alone."""
    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)
