"""The caller's own account; for superusers, every account: list, read, (de)activate, delete."""

from fastapi import APIRouter, Response, status

from ..core.pagination import PageParamsDep
from ..core.responses import error_responses
from ..identity.dependencies import CurrentSuperuser, CurrentUser
from ..infra.context import SessionDep
from ..users.schemas import UserPublic, UsersPublic, UserStatusUpdate, UserUpdate
from ..users.service import delete_user, list_users, set_active, update_user
from .dependencies import ManagedUser

router = APIRouter(
    prefix="/users", tags=["users"], responses=error_responses(status.HTTP_401_UNAUTHORIZED)
)
# `{user_id:int}`: only digits reach these routes, so `DELETE /users/me` is a 405 from the
# `/me` routes, not a 422 from trying "me" as an id.

_SUPERUSERS_ONLY = error_responses(status.HTTP_403_FORBIDDEN)
_MANAGED = error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch(
    "/me", responses=error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_413_CONTENT_TOO_LARGE)
)
async def update_me(session: SessionDep, user: CurrentUser, user_in: UserUpdate) -> UserPublic:
    return UserPublic.model_validate(await update_user(session, user=user, user_in=user_in))


@router.get("", responses=_SUPERUSERS_ONLY)
async def read_page(session: SessionDep, _: CurrentSuperuser, page: PageParamsDep) -> UsersPublic:
    return UsersPublic.model_validate(await list_users(session, page=page))


@router.get("/{user_id:int}", responses=_MANAGED)
async def read(user: ManagedUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch(
    "/{user_id:int}", responses=_MANAGED | error_responses(status.HTTP_413_CONTENT_TOO_LARGE)
)
async def update_status(
    session: SessionDep, admin: CurrentSuperuser, user: ManagedUser, user_in: UserStatusUpdate
) -> UserPublic:
    """Deactivate (or reactivate) an account: its tokens stop working at once. A superuser
    cannot deactivate their own account."""
    return UserPublic.model_validate(
        await set_active(session, user=user, is_active=user_in.is_active, acting=admin)
    )


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_MANAGED,
)
async def delete(session: SessionDep, admin: CurrentSuperuser, user: ManagedUser) -> None:
    """Delete an account and everything it owns. A superuser cannot delete their own."""
    await delete_user(session, user=user, acting=admin)
