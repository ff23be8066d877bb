"""What each kind of job does: read through the same services as the API, return JSON."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..todos.schemas import TodoPublic
from ..todos.service import list_all_todos
from .models import JobKind

JobFunction = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]


async def export_todos(session: AsyncSession, owner_id: int) -> dict[str, Any]:
    """Every todo of the owner, newest first, and how many there are."""
    todos = await list_all_todos(session, owner_id=owner_id)
    return {
        "count": len(todos),
        "todos": [TodoPublic.model_validate(todo).model_dump(mode="json") for todo in todos],
    }


JOB_FUNCTIONS: dict[str, JobFunction] = {JobKind.TODOS_EXPORT: export_todos}
