"""Queries and writes on todos; every query is scoped to one owner."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..core.owned import Owned, equal_unless_none
from ..core.pagination import PageParams, Paginated
from .exceptions import TodoNotFoundError
from .models import Todo
from .schemas import TodoPublic

TODOS = Owned(Todo, not_found=TodoNotFoundError)

# The list and its filters, built once.
_LISTED = TODOS.newest_first.where(equal_unless_none(Todo.completed))


async def list_todos(
    session: AsyncSession, *, owner_id: int, page: PageParams, completed: bool | None = None
) -> Paginated[Todo]:
    """The owner's todos, newest first.

    A filter that is not None keeps only the rows equal to it."""
    return await TODOS.page(
        session, owner_id=owner_id, page=page, statement=_LISTED, completed=completed
    )


async def export_todos(session: AsyncSession, owner_id: int) -> dict[str, Any]:
    """The export job: the owner's todos, newest first, and their count."""
    todos = await TODOS.all(session, owner_id=owner_id)
    return {
        "count": len(todos),
        "todos": [TodoPublic.model_validate(todo).model_dump(mode="json") for todo in todos],
    }
