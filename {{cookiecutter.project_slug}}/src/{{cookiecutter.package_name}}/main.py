"""The ASGI application: `gunicorn -c gunicorn_conf.py {{ cookiecutter.package_name }}.main:app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import sessionmaker

from .auth.router import router as auth_router
from .auth.throttle import LoginThrottle
from .core.config import Settings, get_settings
from .core.db import create_db_engine
from .core.error_handlers import register_error_handlers
from .core.logging import configure_logging
from .core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from .core.responses import error_responses
from .health.router import PROBE_PATHS
from .health.router import router as health_router
from .todos.router import router as todos_router
from .users.router import router as users_router

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = app.state.settings.thread_limit
    engine = create_db_engine(app.state.settings)
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.serve_docs
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        version="{{ cookiecutter.version }}",
        description={{ cookiecutter.description | tojson }},
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
    )
    register_error_handlers(app)

    # Added innermost first: a request meets RequestContext, then SecurityHeaders, ...
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

    app.include_router(health_router)
    for router in (auth_router, users_router, todos_router):
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
        )
    return app


def _create_served_app() -> FastAPI:
    """The app a server imports: logging is set up here, never by tests building apps."""
    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)


app = _create_served_app()
