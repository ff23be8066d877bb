"""Path parameters that resolve to a row the caller owns: `Annotated[Todo, Depends(...)]`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path

from ..core.domain import Access
from ..core.owned import ModelT, Owned
from ..core.schemas import MAX_DB_INT
from ..infra.context import PermissionsDep, SessionDep, SettingsDep
from .api_keys import KeyCaller
from .dependencies import RequiresCaller, caller_permissions
from .tokens import LoginCaller


def owned_by_caller(
    owned: Owned[ModelT], id_name: str, access: Access
) -> Callable[..., Awaitable[ModelT]]:
    """A dependency that reads the path parameter `id_name` and returns the caller's row with
    that id (someone else's is a 404, like a missing one). The caller needs `access.own`; with
    `access.anyone` too, anyone's row is theirs to reach."""

    async def caller_reaches(
        session: SessionDep,
        known: PermissionsDep,
        settings: SettingsDep,
        caller: Annotated[LoginCaller | KeyCaller, RequiresCaller(access.own)],
        row_id: Annotated[int, Path(alias=id_name, ge=1, le=MAX_DB_INT)],
    ) -> ModelT:
        anyone = access.anyone in caller_permissions(caller, known, settings)
        owner_id = None if anyone else caller.user.id
        return await owned.get(session, owner_id=owner_id, row_id=row_id)

    return caller_reaches
