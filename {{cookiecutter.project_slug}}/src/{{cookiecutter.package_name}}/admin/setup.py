"""Mount the admin on the app: its views, login, CSRF check and audit log."""

from fastapi import FastAPI, status
from sqladmin import Admin
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from ..auth.exceptions import TooManyLoginAttemptsError
from ..core.config import Settings
from ..domains import admin_models
from .audit import LogAudit
from .auth import SuperuserAuth
from .csrf import SameOriginMiddleware
from .views import UserAdmin, owned_model_view

ADMIN_PATH = "/admin"
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
    """Mount the admin at ADMIN_PATH; the returned session factory is bound to the app's
    engine by the lifespan (no engine is opened here)."""
    sessions = async_sessionmaker(expire_on_commit=False)
    admin = ThrottledLoginAdmin(
        app,
        session_maker=sessions,
        base_url=ADMIN_PATH,
        title=f"{app.title} admin",
        middlewares=[Middleware(SameOriginMiddleware)],
        authentication_backend=SuperuserAuth(
            settings=settings, app=app, sessions=sessions, path=ADMIN_PATH
        ),
        audit_backend=LogAudit(),
    )
    admin.add_view(UserAdmin)
    for model in admin_models():
        admin.add_view(owned_model_view(model))
    return sessions
