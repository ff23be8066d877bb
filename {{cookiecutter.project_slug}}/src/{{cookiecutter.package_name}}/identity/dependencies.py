"""The current caller: the user a bearer token (a login's access token or an API key) acts
for, the scopes a route needs of an API key, and the superuser gate.

Routes declare the scopes they need with `Security(get_current_user, scopes=[...])`. An API
key reaches only routes that declare scopes, and only those its own scopes cover; a login's
access token reaches every route its user may use. Routes that declare none (the account's
own settings, sessions and keys) need a login.
"""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from ..core.api import API_PREFIX
from ..infra.context import SessionDep, SettingsDep
from ..users.models import User
from .api_keys import KeyCaller, caller_of_api_key, looks_like_api_key
from .exceptions import (
    InsufficientScopeError,
    InvalidCredentialsError,
    MissingCredentialsError,
    NotSuperuserError,
)
from .tokens import LoginCaller, caller_of_access_token

# Where the token endpoint (auth/router.py) is mounted; a test checks that it is.
TOKEN_URL = f"{API_PREFIX}/auth/token"

_oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    description="A login's access token, or an API key (`POST /api/v1/users/me/api-keys`)",
    auto_error=False,
)


async def get_caller(
    security_scopes: SecurityScopes,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_oauth2_scheme)],
) -> LoginCaller | KeyCaller:
    if token is None:
        raise MissingCredentialsError
    if looks_like_api_key(token):
        key_caller = await caller_of_api_key(session, token)
        if key_caller is None:
            raise InvalidCredentialsError
        needed = security_scopes.scopes
        if not needed or not key_caller.scopes.issuperset(needed):
            raise InsufficientScopeError(needed)
        return key_caller
    caller = await caller_of_access_token(session, token, settings=settings)
    if caller is None:
        raise InvalidCredentialsError
    return caller


AnyCaller = Annotated[LoginCaller | KeyCaller, Depends(get_caller)]


async def get_login(caller: AnyCaller) -> LoginCaller:
    """The caller's login session, for the routes that manage it."""
    if not isinstance(caller, LoginCaller):
        raise InsufficientScopeError(())
    return caller


CurrentLogin = Annotated[LoginCaller, Depends(get_login)]


async def get_current_user(caller: AnyCaller) -> User:
    return caller.user


# The user of a login; with `Security(get_current_user, scopes=[...])` instead, an API key's too.
CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuserError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
