"""Path parameters that resolve to a row the caller owns: `Annotated[Todo, Depends(...)]`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path

from ..core.owned import ModelT, Owned
from ..core.schemas import MAX_DB_INT
from ..infra.context import SessionDep
from .dependencies import CurrentUser


def owned_by_caller(owned: Owned[ModelT], id_name: str) -> Callable[..., Awaitable[ModelT]]:
    """A dependency that reads the path parameter `id_name` and returns the caller's row with
    that id (someone else's is a 404, like a missing one)."""

    async def caller_owns(
        session: SessionDep,
        user: CurrentUser,
        row_id: Annotated[int, Path(alias=id_name, ge=1, le=MAX_DB_INT)],
    ) -> ModelT:
        return await owned.get(session, owner_id=user.id, row_id=row_id)

    return caller_owns
