"""Path parameters that resolve to a row the caller owns: `Annotated[Todo, Depends(...)]`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path, Request

from ..core.conditional import answer_with, evaluate_preconditions
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
    `access.anyone` too, anyone's row is theirs to reach.

    The row is what the answer represents (its ETag), and the request's preconditions are
    evaluated against it; a request that changes it locks it first (on PostgreSQL), so the
    `If-Match` it passed still holds when the change is made."""

    async def caller_reaches(
        request: Request,
        session: SessionDep,
        known: PermissionsDep,
        settings: SettingsDep,
        caller: Annotated[LoginCaller | KeyCaller, RequiresCaller(access.own)],
        row_id: Annotated[int, Path(alias=id_name, ge=1, le=MAX_DB_INT)],
    ) -> ModelT:
        anyone = access.anyone in caller_permissions(caller, known, settings)
        owner_id = None if anyone else caller.user.id
        changing = request.method not in {"GET", "HEAD"}
        row = await owned.get(session, owner_id=owner_id, row_id=row_id, for_update=changing)
        evaluate_preconditions(request, row, require_if_match=settings.require_if_match)
        answer_with(request, row)
        return row

    return caller_reaches
