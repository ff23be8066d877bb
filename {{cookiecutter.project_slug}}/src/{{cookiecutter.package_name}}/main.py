"""The ASGI application: `gunicorn -c gunicorn_conf.py {{ cookiecutter.package_name }}.main:app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import sessionmaker

from .auth.router import router as auth_router
from .core.config import Settings, get_settings
from .core.db import create_db_engine
from .core.error_handlers import register_error_handlers
from .health.router import router as health_router
from .todos.router import router as todos_router
from .users.router import router as users_router

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_db_engine(app.state.settings)
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        version="{{ cookiecutter.version }}",
        description={{ cookiecutter.description | tojson }},
        lifespan=lifespan,
    )
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    register_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for router in (auth_router, users_router, todos_router):
        api.include_router(router)
    app.include_router(health_router)
    app.include_router(api)
    return app


app = create_app()
