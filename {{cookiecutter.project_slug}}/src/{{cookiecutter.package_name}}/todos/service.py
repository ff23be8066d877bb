"""Queries and writes on todos; every query is scoped to one owner."""

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.pagination import PageParams, Paginated, paginate
from ..users.models import User
from .exceptions import TodoNotFoundError
from .models import Todo
from .schemas import TodoCreate, TodoUpdate

# Built once, with parameters for what varies: SQLAlchemy then reuses each compiled query.
_BY_ID = select(Todo).where(Todo.id == bindparam("todo_id"))
_OWN_NEWEST_FIRST = (
    select(Todo)
    .where(Todo.owner_id == bindparam("owner_id"))
    .order_by(Todo.created_at.desc(), Todo.id.desc())
)
_OWN_BY_COMPLETION = {
    None: _OWN_NEWEST_FIRST,
    True: _OWN_NEWEST_FIRST.where(Todo.completed.is_(True)),
    False: _OWN_NEWEST_FIRST.where(Todo.completed.is_(False)),
}


async def get_own_todo(session: AsyncSession, *, owner: User, todo_id: int) -> Todo:
    """The owner's todo; someone else's is reported exactly like a missing one."""
    todo = await session.scalar(_BY_ID, {"todo_id": todo_id})
    if todo is None or todo.owner_id != owner.id:
        raise TodoNotFoundError
    return todo


async def list_todos(
    session: AsyncSession, *, owner: User, page: PageParams, completed: bool | None = None
) -> Paginated[Todo]:
    """The owner's todos, newest first."""
    return await paginate(session, _OWN_BY_COMPLETION[completed], page, owner_id=owner.id)


async def list_all_todos(session: AsyncSession, *, owner_id: int) -> list[Todo]:
    """Every todo of the owner, newest first (for exports, which are not paginated)."""
    return list(await session.scalars(_OWN_NEWEST_FIRST, {"owner_id": owner_id}))


async def create_todo(session: AsyncSession, *, owner: User, todo_in: TodoCreate) -> Todo:
    todo = Todo(**todo_in.model_dump(), owner_id=owner.id)
    session.add(todo)
    await session.commit()
    return todo


async def update_todo(session: AsyncSession, *, todo: Todo, todo_in: TodoUpdate) -> Todo:
    changes = todo_in.model_dump(exclude_unset=True)
    # title and completed are NOT NULL; an explicit null for them means "leave unchanged".
    for field, value in changes.items():
        if value is not None or field == "description":
            setattr(todo, field, value)
    await session.commit()
    return todo


async def delete_todo(session: AsyncSession, *, todo: Todo) -> None:
    await session.delete(todo)
    await session.commit()
