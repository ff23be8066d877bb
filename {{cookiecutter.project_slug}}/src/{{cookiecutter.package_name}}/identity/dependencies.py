"""The current caller: the user the bearer token acts for, and the superuser gate."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from ..core.api import API_PREFIX
from ..infra.context import SessionDep, SettingsDep
from ..users.models import User
from .exceptions import InvalidCredentialsError, MissingCredentialsError, NotSuperuserError
from .tokens import Caller, caller_of_access_token

# Where the token endpoint (auth/router.py) is mounted; a test checks that it is.
TOKEN_URL = f"{API_PREFIX}/auth/token"

_oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_caller(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_oauth2_scheme)],
) -> Caller:
    if token is None:
        raise MissingCredentialsError
    caller = await caller_of_access_token(session, token, settings=settings)
    if caller is None:
        raise InvalidCredentialsError
    return caller


# The caller and their login session (for the sessions endpoints).
CurrentCaller = Annotated[Caller, Depends(get_caller)]


async def get_current_user(caller: CurrentCaller) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuserError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
