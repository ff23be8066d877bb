"""Who is calling: the bearer token's user, and the superuser gate."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from ..auth.router import router as auth_router
from ..core.config import SettingsDep
from ..core.db import SessionDep
from ..core.security import read_access_token_subject
from ..domains import API_PREFIX
from .exceptions import InvalidCredentialsError, NotSuperuserError
from .models import User
from .service import get_user

TOKEN_URL = API_PREFIX + auth_router.url_path_for("login")

_oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_oauth2_scheme)],
) -> User:
    if token is None:
        raise InvalidCredentialsError
    subject = read_access_token_subject(token, secret_key=settings.secret_key)
    if subject is None or not subject.isdecimal():
        raise InvalidCredentialsError
    user = await get_user(session, user_id=int(subject))
    # A deleted or deactivated user's tokens stop working at once, not at expiry.
    if user is None or not user.is_active:
        raise InvalidCredentialsError
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuserError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
