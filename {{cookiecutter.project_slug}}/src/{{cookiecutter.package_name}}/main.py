"""The ASGI application factory. Servers call `create_served_app()` (gunicorn_conf.py names
it); importing this module reads no settings, configures nothing and opens nothing."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace

from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import async_sessionmaker

from .core.api import API_PREFIX
from .core.body_limit import BodyLimit
from .core.collector import freeze_startup_objects
from .core.config import PROJECT_NAME, Settings, get_settings
from .core.db import create_db_engine, read_sessions
from .core.docs import mount_docs
from .core.edge import EdgeMiddleware
from .core.error_handlers import register_error_handlers
from .core.error_reporting import report_errors_to_sentry
from .core.logging import configure_logging
from .core.memory import return_large_blocks_to_the_system
from .core.methods import MethodsMiddleware
from .core.responses import error_responses
from .core.shedding import LoadShedding
from .domains import api_routers
from .health.router import LIVENESS, LIVENESS_PATH, PROBE_PATHS
from .health.router import router as health_router
from .infra.context import attach_context
from .infra.periodic import repeating
from .infra.rate_limit_docs import document_rate_limits
from .parts import PARTS
from .{{ "runtime_celery" if cookiecutter.background_jobs == "celery" else "runtime_local" }} import open_context

# Polled by machines every few seconds: never refused by load shedding (an overloaded worker
# is exactly when they matter), not access-logged when they succeed, and not measured.
POLLED_PATHS = PROBE_PATHS.union(*(part.polled_paths for part in PARTS))


def operation_id(route: APIRoute) -> str:
    """Short, unique operation ids for generated clients: `todos-read-page`, `auth-login`."""
    name = route.name.replace("_", "-")
    return f"{route.tags[0]}-{name}" if route.tags else name


def create_app(
    settings: Settings | None = None, *, on_started: Callable[[], object] | None = None
) -> FastAPI:
    """The app; `on_started` runs once its lifespan has opened everything, before it serves."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Open the database engine and the services of the context; close them at the end."""
        engine = create_db_engine(settings)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.dispose)
            for engine_hook in engine_hooks:
                stack.enter_context(engine_hook(engine))
            session_factory = async_sessionmaker(engine, expire_on_commit=False)
            context = await stack.enter_async_context(open_context(settings, session_factory))
            attach_context(
                app, replace(context, read_session_factory=read_sessions(engine, settings))
            )
            # Every web process sweeps the outbox: claiming a message is exclusive.
            await stack.enter_async_context(
                repeating(context.outbox_relay.relay, every_seconds=settings.outbox_sweep_seconds)
            )
            if on_started is not None:
                on_started()
            yield

    docs = settings.serve_docs
    app = FastAPI(
        title=PROJECT_NAME,
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
    register_error_handlers(app)

    # Added innermost first: a request meets the optional parts' middleware (mounted below),
    # then the edge, then CORS, then MethodsMiddleware.
    app.add_middleware(MethodsMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            # Browser mode: those origins' pages send the refresh cookie with their refreshes.
            allow_credentials=settings.refresh_token_cookie,
        )
    app.add_middleware(
        EdgeMiddleware,
        shedding=LoadShedding(
            max_in_flight=settings.max_requests_in_flight, max_wait=settings.max_request_wait
        ),
        body_limit=BodyLimit(max_bytes=settings.max_request_body_bytes),
        access_log=settings.access_log,
        quiet_paths=frozenset() if settings.access_log_probes else POLLED_PATHS,
        exempt_paths=POLLED_PATHS,
        constant_json={LIVENESS_PATH: LIVENESS.model_dump_json().encode()},
    )
    mounted = (part.mount(app, settings, POLLED_PATHS) for part in PARTS)
    engine_hooks = [hook for hook in mounted if hook is not None]

    app.include_router(health_router)
    for router in api_routers():
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
        )
    document_rate_limits(app, API_PREFIX)
    return app


def create_served_app() -> FastAPI:
    """The app a server runs, in each worker: settings from the environment and `.env`,
    logging configured, errors reported, large blocks of memory given back once freed
    (core/memory.py), what start-up built kept out of garbage collections (core/collector.py).
    Tests build apps with `create_app(settings)` and leave the process-wide set-up alone."""
    settings = get_settings()
    configure_logging(settings)
    report_errors_to_sentry(settings)
    return_large_blocks_to_the_system()
    return create_app(settings, on_started=freeze_startup_objects)
