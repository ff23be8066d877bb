"""The current caller: the user the bearer token acts for, and the superuser gate."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from ..core.api import API_PREFIX
from ..core.security import TokenPurpose
from ..infra.context import SessionDep, SettingsDep
from ..users.models import User
from .exceptions import InvalidCredentialsError, NotSuperuserError
from .tokens import user_of_token

# Where the token endpoint (auth/router.py) is mounted; a test checks that it is.
TOKEN_URL = f"{API_PREFIX}/auth/token"

_oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_oauth2_scheme)],
) -> User:
    if token is None:
        raise InvalidCredentialsError
    user = await user_of_token(session, token, TokenPurpose.ACCESS, settings=settings)
    if user is None:
        raise InvalidCredentialsError
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuserError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
