"""Mount the admin on the app: its views, login, CSRF check and audit log."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI, status
from sqladmin import Admin
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from ..auth.exceptions import TooManyLoginAttemptsError
from ..core.config import Settings
from ..core.part import EngineHook, Part
from ..domains import admin_models
from .audit import LogAudit
from .auth import SuperuserAuth
from .csrf import SameOriginMiddleware
from .views import RoleAdmin, owned_model_view, user_admin

ADMIN_PATH = "/admin"
# Ours first, then sqladmin's: the login page asks for a one-time code too.
TEMPLATES = Path(__file__).parent / "templates"
THROTTLED_MESSAGE = "Too many failed logins; try again in {seconds} seconds."


class ThrottledLoginAdmin(Admin):
    """The login page says so when failed logins are throttled, with the API's 429."""

    async def login(self, request: Request) -> Response:
        try:
            return await super().login(request)
        except TooManyLoginAttemptsError as throttled:
            headers = throttled.headers or {}
            response: Response = await self.templates.TemplateResponse(
                request,
                "sqladmin/login.html",
                {"error": THROTTLED_MESSAGE.format(seconds=headers.get("Retry-After"))},
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response.headers.update(headers)
            return response


def mount_admin(app: FastAPI, settings: Settings) -> async_sessionmaker[AsyncSession]:
    """Mount the admin at ADMIN_PATH; the returned session factory is not bound to an engine
    yet (none is open when the app is made)."""
    sessions = async_sessionmaker(expire_on_commit=False)
    admin = ThrottledLoginAdmin(
        app,
        templates_dir=str(TEMPLATES),
        session_maker=sessions,
        base_url=ADMIN_PATH,
        title=f"{app.title} admin",
        middlewares=[Middleware(SameOriginMiddleware)],
        authentication_backend=SuperuserAuth(
            settings=settings, app=app, sessions=sessions, path=ADMIN_PATH
        ),
        audit_backend=LogAudit(sessions),
    )
    admin.add_view(user_admin(settings))
    admin.add_view(RoleAdmin)
    for model in admin_models():
        admin.add_view(owned_model_view(model))
    return sessions


@contextmanager
def _bind(sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> Iterator[None]:
    sessions.configure(bind=engine)
    yield


def _mount(app: FastAPI, settings: Settings, _polled_paths: frozenset[str]) -> EngineHook | None:
    if not settings.admin_enabled:
        return None
    return partial(_bind, mount_admin(app, settings))


part = Part(mount=_mount)
