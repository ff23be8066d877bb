"""The caller's own account, and the user list for superusers."""

from fastapi import APIRouter, status

from ..core.db import SessionDep
from ..core.pagination import PageParamsDep
from ..core.responses import error_responses
from .dependencies import CurrentSuperuser, CurrentUser
from .schemas import UserPublic, UsersPublic, UserUpdate
from .service import list_users, update_user

router = APIRouter(
    prefix="/users", tags=["users"], responses=error_responses(status.HTTP_401_UNAUTHORIZED)
)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch(
    "/me", responses=error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_413_CONTENT_TOO_LARGE)
)
async def update_me(session: SessionDep, user: CurrentUser, user_in: UserUpdate) -> UserPublic:
    return UserPublic.model_validate(await update_user(session, user=user, user_in=user_in))


@router.get("", responses=error_responses(status.HTTP_403_FORBIDDEN))
async def read_page(session: SessionDep, _: CurrentSuperuser, page: PageParamsDep) -> UsersPublic:
    return UsersPublic.model_validate(await list_users(session, page=page))
