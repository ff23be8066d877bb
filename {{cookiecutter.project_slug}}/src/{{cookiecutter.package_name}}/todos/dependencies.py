"""Resolve the `{todo_id}` path parameter to a todo the caller owns."""

from typing import Annotated

from fastapi import Depends

from ..identity.ownership import owned_by_caller
from .models import Todo
from .service import TODOS

OwnedTodo = Annotated[Todo, Depends(owned_by_caller(TODOS, "todo_id"))]
