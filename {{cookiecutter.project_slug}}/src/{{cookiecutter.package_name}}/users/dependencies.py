"""Who is calling: the bearer token's user, the superuser gate, and the user a superuser
manages (`{user_id}`)."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from ..auth.router import router as auth_router
from ..auth.tokens import user_of_token
from ..core.config import SettingsDep
from ..core.db import SessionDep
from ..core.schemas import ResourceId
from ..core.security import TokenPurpose
from ..domains import API_PREFIX
from .exceptions import InvalidCredentialsError, NotSuperuserError
from .models import User
from .service import get_existing_user

TOKEN_URL = API_PREFIX + auth_router.url_path_for("login")

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


async def get_managed_user(session: SessionDep, _: CurrentSuperuser, user_id: ResourceId) -> User:
    """Superusers only: anyone else gets a 403 before learning whether the user exists."""
    return await get_existing_user(session, user_id=user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]
