"""Path parameters that resolve to a row the caller owns: `Annotated[Todo, Depends(...)]`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path, Security

from ..core.owned import ModelT, Owned
from ..core.schemas import MAX_DB_INT
from ..infra.context import SessionDep
from ..users.models import User
from .dependencies import get_current_user


def owned_by_caller(
    owned: Owned[ModelT], id_name: str, *, scope: str
) -> Callable[..., Awaitable[ModelT]]:
    """A dependency that reads the path parameter `id_name` and returns the caller's row with
    that id (someone else's is a 404, like a missing one); an API key needs `scope`."""

    async def caller_owns(
        session: SessionDep,
        user: Annotated[User, Security(get_current_user, scopes=[scope])],
        row_id: Annotated[int, Path(alias=id_name, ge=1, le=MAX_DB_INT)],
    ) -> ModelT:
        return await owned.get(session, owner_id=user.id, row_id=row_id)

    return caller_owns
