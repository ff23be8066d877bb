"""Resolve the `{todo_id}` path parameter to a todo the caller owns."""

from typing import Annotated

from fastapi import Depends

from ..core.db import SessionDep
from ..core.schemas import ResourceId
from ..users.dependencies import CurrentUser
from .models import Todo
from .service import get_own_todo


async def get_owned_todo(session: SessionDep, user: CurrentUser, todo_id: ResourceId) -> Todo:
    return await get_own_todo(session, owner=user, todo_id=todo_id)


OwnedTodo = Annotated[Todo, Depends(get_owned_todo)]
