"""The caller's own API keys: create one (shown once), list them, delete one. Managing keys
needs a login: an API key cannot make or see keys."""

from collections.abc import Collection, Sequence

from fastapi import APIRouter, Response, status

from ..core.exceptions import FieldRefusedError
from ..core.responses import error_responses
from ..core.schemas import ResourceId
from ..identity.api_keys import (
    MAX_API_KEYS_PER_USER,
    count_api_keys,
    create_api_key,
    delete_api_key,
    list_api_keys,
)
from ..identity.dependencies import CurrentLogin, caller_permissions
from ..infra.context import PermissionsDep, SessionDep, SettingsDep
from .exceptions import ApiKeyNotFoundError, TooManyApiKeysError
from .schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeysPublic, ScopesPublic

router = APIRouter(
    prefix="/users/me/api-keys",
    tags=["api-keys"],
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
)


def _check_scopes(asked: Sequence[str], held: Collection[str]) -> None:
    """A key carries only permissions its owner holds (and, each time it is used, only those
    they still hold)."""
    if not_held := sorted(set(asked) - set(held)):
        raise FieldRefusedError(
            field="scopes",
            error_type="scope_not_held",
            message=f"Not among your permissions: {', '.join(not_held)}; "
            f"yours: {', '.join(sorted(held))}",
        )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE),
)
async def create(
    session: SessionDep,
    caller: CurrentLogin,
    known: PermissionsDep,
    settings: SettingsDep,
    key_in: ApiKeyCreate,
) -> ApiKeyCreated:
    """A new key; the answer is the only time its secret is shown."""
    _check_scopes(key_in.scopes, caller_permissions(caller, known, settings))
    if await count_api_keys(session, user_id=caller.user.id) >= MAX_API_KEYS_PER_USER:
        raise TooManyApiKeysError
    created = await create_api_key(
        session,
        user_id=caller.user.id,
        name=key_in.name,
        scopes=key_in.scopes,
        expires_in_days=key_in.expires_in_days,
    )
    public = ApiKeyPublic.model_validate(created.row)
    return ApiKeyCreated(**public.model_dump(), key=created.key)


@router.get("")
async def read_all(session: SessionDep, caller: CurrentLogin) -> ApiKeysPublic:
    """The caller's keys, newest first, without their secrets."""
    keys = await list_api_keys(session, user_id=caller.user.id)
    return ApiKeysPublic(items=[ApiKeyPublic.model_validate(key) for key in keys])


@router.get("/scopes")
async def read_scopes(
    caller: CurrentLogin, known: PermissionsDep, settings: SettingsDep
) -> ScopesPublic:
    """The scopes the caller may give a key (their permissions), and what each allows."""
    held = caller_permissions(caller, known, settings)
    return ScopesPublic(scopes={name: known[name].description for name in sorted(held)})


@router.delete(
    "/{key_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(status.HTTP_404_NOT_FOUND),
)
async def delete(session: SessionDep, caller: CurrentLogin, key_id: ResourceId) -> None:
    """Delete a key: it stops working at once."""
    if not await delete_api_key(session, user_id=caller.user.id, key_id=key_id):
        raise ApiKeyNotFoundError
