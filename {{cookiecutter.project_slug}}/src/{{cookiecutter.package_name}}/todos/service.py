"""Queries and writes on todos; every query is scoped to one owner."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..core.owned import Owned
from ..core.pagination import PageParams, Paginated
from .exceptions import TodoNotFoundError
from .models import Todo
from .schemas import TodoPublic

TODOS = Owned(Todo, not_found=TodoNotFoundError)

# The list's filters, each a statement built once.
_BY_COMPLETED = {
    None: TODOS.newest_first,
    True: TODOS.newest_first.where(Todo.completed.is_(True)),
    False: TODOS.newest_first.where(Todo.completed.is_(False)),
}


async def list_todos(
    session: AsyncSession, *, owner_id: int, page: PageParams, completed: bool | None = None
) -> Paginated[Todo]:
    """The owner's todos, newest first."""
    return await TODOS.page(
        session, owner_id=owner_id, page=page, statement=_BY_COMPLETED[completed]
    )


async def export_todos(session: AsyncSession, owner_id: int) -> dict[str, Any]:
    """The export job: every todo of the owner, newest first, and how many there are."""
    todos = await TODOS.all(session, owner_id=owner_id)
    return {
        "count": len(todos),
        "todos": [TodoPublic.model_validate(todo).model_dump(mode="json") for todo in todos],
    }
