"""Who may use the admin: active superusers, checked by the API's own login (same hashing,
same throttle) and again on every request, so a demoted or deactivated account is out at
once."""

from typing import Any

from sqladmin.authentication import AuthenticationBackend
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request

from ..auth.exceptions import (
    EmailNotVerifiedError,
    IncorrectLoginError,
    IncorrectOneTimeCodeError,
    MfaRequiredError,
)
from ..auth.service import authenticate
from ..core.config import Settings
from ..infra.context import context_of
from ..users.models import User

SESSION_COOKIE = "admin_session"
SESSION_MAX_AGE = 8 * 60 * 60  # a working day; then the login form again
_USER_ID = "user_id"


class SuperuserAuth(AuthenticationBackend):
    """A signed session cookie (SECRET_KEY) that is HttpOnly, SameSite=Lax, limited to the
    admin's path, and Secure except in development (which is served over plain HTTP)."""

    def __init__(
        self,
        *,
        settings: Settings,
        app: Starlette,
        sessions: async_sessionmaker[AsyncSession],
        path: str,
    ) -> None:
        super().__init__(
            settings.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            path=path,
            same_site="lax",
            https_only=settings.environment != "development",
        )
        self.settings = settings
        self.app = app  # the API's app, whose context has the login throttle
        self.sessions = sessions

    async def login(self, request: Request) -> bool:
        """False for wrong credentials and for accounts that are not superusers; a throttled
        login raises TooManyLoginAttemptsError, as the API's does."""
        form = await request.form()
        async with self.sessions() as session:
            try:
                login = await authenticate(
                    session,
                    email=str(form.get("username", "")),
                    password=str(form.get("password", "")),
                    client=request.client.host if request.client else "unknown",
                    throttle=context_of(self.app).login_throttle,
                    require_verified=self.settings.email_verification_required,
                    otp=str(form.get("otp", "")).strip() or None,
                )
            except (
                IncorrectLoginError,
                IncorrectOneTimeCodeError,
                EmailNotVerifiedError,
                MfaRequiredError,
            ):
                return False
            if not login.user.is_admin:
                return False
            await session.commit()  # the login's audit event
        request.session.clear()
        request.session[_USER_ID] = login.user.id
        return True

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        user_id = request.session.get(_USER_ID)
        if user_id is None:
            return False
        async with self.sessions() as session:
            user = await session.get(User, user_id)
        if user is None or not (user.is_active and user.is_admin):
            request.session.clear()
            return False
        request.state.admin_user = user  # who acts, for the audit log
        return True

    async def get_user_id(self, request: Request) -> Any:
        return request.session.get(_USER_ID)
