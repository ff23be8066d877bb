"""CRUD on the caller's own todos."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ..core.db import SessionDep
from ..core.pagination import PageParamsDep
from ..core.responses import error_responses
from ..users.dependencies import CurrentUser
from .dependencies import OwnedTodo
from .schemas import TodoCreate, TodoPublic, TodosPublic, TodoUpdate
from .service import create_todo, delete_todo, list_todos, update_todo

router = APIRouter(
    prefix="/todos", tags=["todos"], responses=error_responses(status.HTTP_401_UNAUTHORIZED)
)

# `{todo_id:int}`: only digits reach these routes, so `PATCH /todos/export` is a 405 from the
# export route, not a 422 from trying "export" as an id.
_NOT_FOUND = error_responses(status.HTTP_404_NOT_FOUND)
_TOO_LARGE = error_responses(status.HTTP_413_CONTENT_TOO_LARGE)


@router.post("", status_code=status.HTTP_201_CREATED, responses=_TOO_LARGE)
async def create(session: SessionDep, user: CurrentUser, todo_in: TodoCreate) -> TodoPublic:
    return TodoPublic.model_validate(await create_todo(session, owner=user, todo_in=todo_in))


@router.get("")
async def read_page(
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    completed: Annotated[bool | None, Query(description="Only (un)finished todos.")] = None,
) -> TodosPublic:
    return TodosPublic.model_validate(
        await list_todos(session, owner=user, page=page, completed=completed)
    )


@router.get("/{todo_id:int}", responses=_NOT_FOUND)
async def read(todo: OwnedTodo) -> TodoPublic:
    return TodoPublic.model_validate(todo)


@router.patch("/{todo_id:int}", responses=_NOT_FOUND | _TOO_LARGE)
async def update(session: SessionDep, todo: OwnedTodo, todo_in: TodoUpdate) -> TodoPublic:
    return TodoPublic.model_validate(await update_todo(session, todo=todo, todo_in=todo_in))


@router.delete(
    "/{todo_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_NOT_FOUND,
)
async def delete(session: SessionDep, todo: OwnedTodo) -> None:
    await delete_todo(session, todo=todo)
