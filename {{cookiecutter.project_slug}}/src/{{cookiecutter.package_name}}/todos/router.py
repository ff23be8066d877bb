"""CRUD on the caller's own todos, and their export as a job."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from ..core.conditional import answer_with
from ..core.pagination import KeysetPageDep
from ..core.responses import error_responses
from ..idempotency.route import IdempotentRoute
from ..infra.context import SessionDep
from ..jobs.dependencies import StartJob
from ..jobs.schemas import JobPublic
from .dependencies import Reader, TodoToChange, TodoToRead, Writer
from .schemas import TodoCreate, TodoPublic, TodosPublic, TodoUpdate
from .service import TODOS, list_todos

EXPORT_JOB = "todos.export"

router = APIRouter(
    prefix="/todos",
    tags=["todos"],
    responses=error_responses(status.HTTP_401_UNAUTHORIZED),
    route_class=IdempotentRoute,
)

# Ids are `:int`: only digits reach the id routes, so a word in their place is another
# route's (or a 404 or 405), not a 422 for a bad id.
_NOT_FOUND = error_responses(status.HTTP_404_NOT_FOUND)
_TOO_LARGE = error_responses(status.HTTP_413_CONTENT_TOO_LARGE)


@router.post("", status_code=status.HTTP_201_CREATED, responses=_TOO_LARGE)
async def create(
    request: Request, session: SessionDep, user: Writer, todo_in: TodoCreate
) -> TodoPublic:
    todo = await TODOS.create(session, owner_id=user.id, values=todo_in)
    answer_with(request, todo)
    return TodoPublic.model_validate(todo)


@router.get("")
async def read_page(
    session: SessionDep,
    user: Reader,
    page: KeysetPageDep,
    completed: Annotated[
        bool | None, Query(description="Only todos whose completed is this.")
    ] = None,
) -> TodosPublic:
    todos = await list_todos(session, owner_id=user.id, page=page.params, completed=completed)
    return page.answer(TodosPublic, todos)


@router.get("/{todo_id:int}", responses=_NOT_FOUND)
async def read(todo: TodoToRead) -> TodoPublic:
    return TodoPublic.model_validate(todo)


@router.patch("/{todo_id:int}", responses=_NOT_FOUND | _TOO_LARGE)
async def update(session: SessionDep, todo: TodoToChange, todo_in: TodoUpdate) -> TodoPublic:
    return TodoPublic.model_validate(await TODOS.update(session, row=todo, changes=todo_in))


@router.delete(
    "/{todo_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_NOT_FOUND,
)
async def delete(session: SessionDep, user: Writer, todo: TodoToChange) -> None:
    await TODOS.delete(session, row=todo, actor_id=user.id)


@router.post("/export", status_code=status.HTTP_202_ACCEPTED)
async def export(user: Reader, start_job: StartJob) -> JobPublic:
    """Export the caller's todos in the background.

    Follow the job at `Location`."""
    return await start_job(EXPORT_JOB, owner_id=user.id)
