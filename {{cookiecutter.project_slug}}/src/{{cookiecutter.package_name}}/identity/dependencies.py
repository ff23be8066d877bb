"""The current caller: the user a bearer token (a login's access token or an API key) acts
for, and the permissions a route requires of them.

Routes declare what they need with `Requires("todos:write")`: the caller's roles must allow
it, and an API key must also carry it as a scope. An API key reaches only routes that
declare permissions; routes that declare none (the account's own settings, sessions and
keys) need a login.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request, Response, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.api import API_PREFIX
from ..core.config import Settings
from ..core.domain import Permission
from ..infra.context import PermissionsDep, RateLimitsDep, SessionDep, SettingsDep
from ..users.models import User
from ..users.service import get_user
from .api_keys import KeyCaller, caller_of_api_key, looks_like_api_key
from .exceptions import (
    InsufficientScopeError,
    InvalidCredentialsError,
    MissingCredentialsError,
    PermissionDeniedError,
    SecondFactorRequiredError,
)
from .permissions import permissions_now, permissions_of
from .principal import Principal
from .tokens import LoginCaller, caller_of_access_token

# Where the token endpoint (auth/router.py) is mounted; a test checks that it is.
TOKEN_URL = f"{API_PREFIX}/auth/token"

_oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    description="A login's access token, or an API key (`POST /api/v1/users/me/api-keys`)",
    auto_error=False,
)


# The scope key of the request's caller, once looked up (an ASGI extension key of ours).
_CALLER = "app.caller"


async def caller_of_request(
    request: Request, session: AsyncSession, settings: Settings
) -> LoginCaller | KeyCaller | None:
    """Whom the request's bearer token (an access token or an API key) names, if anyone:
    looked up once per request, whoever asks first."""
    if _CALLER in request.scope:
        known: LoginCaller | KeyCaller | None = request.scope[_CALLER]
        return known
    token = await _oauth2_scheme(request)
    caller: LoginCaller | KeyCaller | None = None
    if token is not None and looks_like_api_key(token):
        caller = await caller_of_api_key(session, token)
    elif token is not None:
        caller = await caller_of_access_token(session, token, settings=settings)
    request.scope[_CALLER] = caller
    return caller


def rate_limit_partition(caller: LoginCaller | KeyCaller) -> str:
    """Whose budget a request spends: an API key's own, or its user's (all their logins')."""
    return f"key:{caller.key_id}" if isinstance(caller, KeyCaller) else f"user:{caller.user.id}"


async def get_caller(
    security_scopes: SecurityScopes,
    session: SessionDep,
    settings: SettingsDep,
    limits: RateLimitsDep,
    request: Request,
    response: Response,
    token: Annotated[str | None, Depends(_oauth2_scheme)],
) -> LoginCaller | KeyCaller:
    """The caller, charged to the `api` rate limit (RATE_LIMIT_API): known without another
    query, so every route that needs a bearer token is limited here."""
    if token is None:
        raise MissingCredentialsError
    caller = await caller_of_request(request, session, settings)
    if caller is None:
        raise InvalidCredentialsError
    needed = security_scopes.scopes
    if isinstance(caller, KeyCaller) and (not needed or not caller.scopes.issuperset(needed)):
        raise InsufficientScopeError(needed)
    await limits.api.charge(rate_limit_partition(caller), request, response)
    return caller


AnyCaller = Annotated[LoginCaller | KeyCaller, Depends(get_caller)]


async def get_login(caller: AnyCaller) -> LoginCaller:
    """The caller's login session, for the routes that manage it."""
    if not isinstance(caller, LoginCaller):
        raise InsufficientScopeError(())
    return caller


CurrentLogin = Annotated[LoginCaller, Depends(get_login)]


async def get_current_user(caller: AnyCaller) -> Principal:
    return caller.user


# The user of a login; `Requires(...)` instead reaches API keys too.
CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_current_user_row(session: SessionDep, user: CurrentUser) -> User:
    """The caller's own row, for a route that changes it."""
    row = await get_user(session, user_id=user.id)
    if row is None:  # deleted since their credentials were looked up
        raise InvalidCredentialsError
    return row


CurrentUserRow = Annotated[User, Depends(get_current_user_row)]


def caller_permissions(
    caller: LoginCaller | KeyCaller, known: Mapping[str, Permission], settings: Settings
) -> frozenset[str]:
    """What the caller may do now: their roles' permissions (only the members' for one
    whose roles need a second factor they did not give), and for an API key only those of
    them it carries as scopes (a key never does more than its owner may)."""
    held = permissions_now(
        caller.user,
        known,
        second_factor=isinstance(caller, LoginCaller) and caller.second_factor,
        mfa_required_for=settings.mfa_required_for,
    )
    return held & caller.scopes if isinstance(caller, KeyCaller) else held


async def get_permitted_caller(
    security_scopes: SecurityScopes,
    caller: AnyCaller,
    known: PermissionsDep,
    settings: SettingsDep,
) -> LoginCaller | KeyCaller:
    held = caller_permissions(caller, known, settings)
    if missing := [name for name in security_scopes.scopes if name not in held]:
        if isinstance(caller, LoginCaller) and permissions_of(caller.user, known).issuperset(
            missing
        ):
            raise SecondFactorRequiredError(missing)
        raise PermissionDeniedError(missing)
    return caller


async def get_permitted_user(
    caller: Annotated[LoginCaller | KeyCaller, Depends(get_permitted_caller)],
) -> Principal:
    return caller.user


def Requires(*permissions: str) -> Any:  # noqa: N802  # reads as the marker it is
    """`Annotated[Principal, Requires("todos:write")]`: the caller, who must hold every one of
    `permissions` (a 403 naming those they lack); in OpenAPI, the scopes of the route."""
    return Security(get_permitted_user, scopes=list(permissions))


def RequiresCaller(*permissions: str) -> Any:  # noqa: N802  # as Requires
    """As `Requires`, for a dependency that asks what else the caller may do."""
    return Security(get_permitted_caller, scopes=list(permissions))
