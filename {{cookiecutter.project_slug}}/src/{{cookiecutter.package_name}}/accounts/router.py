"""The caller's own account; with `users:manage`, every account: list, read, (de)activate,
delete."""

from fastapi import APIRouter, Response, status

from ..core.audit import record
from ..core.pagination import PageParamsDep
from ..core.responses import error_responses
from ..core.schemas import ResourceId
from ..identity.dependencies import CurrentLogin, CurrentUser, CurrentUserRow
from ..identity.sessions import end_session, end_sessions, list_sessions
from ..infra.context import SessionDep, SettingsDep
from ..users.schemas import UserPublic, UsersPublic, UserStatusUpdate, UserUpdate
from ..users.service import delete_user, list_users, set_active, update_user
from .dependencies import ManagedUser, UserManager
from .exceptions import SessionNotFoundError
from .schemas import SessionPublic, SessionsPublic

router = APIRouter(
    prefix="/users", tags=["users"], responses=error_responses(status.HTTP_401_UNAUTHORIZED)
)
# `{user_id:int}`: only digits reach these routes, so `DELETE /users/me` is a 405 from the
# `/me` routes, not a 422 from trying "me" as an id.

_MANAGERS_ONLY = error_responses(status.HTTP_403_FORBIDDEN)
_MANAGED = error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch(
    "/me", responses=error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_413_CONTENT_TOO_LARGE)
)
async def update_me(
    session: SessionDep, settings: SettingsDep, user: CurrentUserRow, user_in: UserUpdate
) -> UserPublic:
    """A new password ends every login session, this one included: log in again."""
    updated = await update_user(session, user=user, user_in=user_in, settings=settings)
    if user_in.password is not None:
        await end_sessions(session, user_id=user.id)
    return UserPublic.model_validate(updated)


@router.get("/me/sessions")
async def read_my_sessions(
    session: SessionDep, settings: SettingsDep, caller: CurrentLogin
) -> SessionsPublic:
    """The caller's open login sessions, most recently used first."""
    sessions = await list_sessions(session, user_id=caller.user.id, settings=settings)
    return SessionsPublic(
        items=[
            SessionPublic(
                id=login.id,
                created_at=login.created_at,
                last_used_at=login.last_used_at,
                client=login.user_agent,
                current=login.id == caller.session_id,
            )
            for login in sessions
        ]
    )


@router.post(
    "/me/sessions/end-others", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def end_my_other_sessions(session: SessionDep, caller: CurrentLogin) -> None:
    """Log out everywhere but here: every other session's tokens stop working at once."""
    user_id = caller.user.id
    record(session, "sessions.ended_others", actor_id=user_id, target=("users", user_id))
    await end_sessions(session, user_id=user_id, keep=caller.session_id)


@router.delete(
    "/me/sessions/{session_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(status.HTTP_404_NOT_FOUND),
)
async def end_my_session(session: SessionDep, caller: CurrentLogin, session_id: ResourceId) -> None:
    """End one of the caller's sessions (their current one too: that is logging out)."""
    if not await end_session(session, user_id=caller.user.id, session_id=session_id):
        raise SessionNotFoundError


@router.get("", responses=_MANAGERS_ONLY)
async def read_page(session: SessionDep, _: UserManager, page: PageParamsDep) -> UsersPublic:
    return UsersPublic.model_validate(await list_users(session, page=page))


@router.get("/{user_id:int}", responses=_MANAGED)
async def read(user: ManagedUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch(
    "/{user_id:int}", responses=_MANAGED | error_responses(status.HTTP_413_CONTENT_TOO_LARGE)
)
async def update_status(
    session: SessionDep, manager: UserManager, user: ManagedUser, user_in: UserStatusUpdate
) -> UserPublic:
    """Deactivate (or reactivate) an account: its sessions end at once. Nobody deactivates
    their own account, nor the last active admin."""
    updated = await set_active(session, user=user, is_active=user_in.is_active, actor_id=manager.id)
    if not updated.is_active:
        await end_sessions(session, user_id=user.id)
    return UserPublic.model_validate(updated)


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_MANAGED,
)
async def delete(session: SessionDep, manager: UserManager, user: ManagedUser) -> None:
    """Delete an account and everything it owns; not one's own, nor the last active admin."""
    await delete_user(session, user=user, actor_id=manager.id)
