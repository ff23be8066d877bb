"""The scopes an API key may hold here, the caller with each of them, and the path parameter
resolved to a row of the caller's: `{todo_id}`, one of their todos."""

from typing import Annotated

from fastapi import Depends, Security

from ..core.domain import ResourceScopes
from ..identity.dependencies import get_current_user
from ..identity.ownership import owned_by_caller
from ..users.models import User
from .models import Todo
from .service import TODOS

SCOPES = ResourceScopes("todos", words="todos")

Reader = Annotated[User, Security(get_current_user, scopes=[SCOPES.read])]
Writer = Annotated[User, Security(get_current_user, scopes=[SCOPES.write])]
TodoToRead = Annotated[Todo, Depends(owned_by_caller(TODOS, "todo_id", scope=SCOPES.read))]
TodoToChange = Annotated[Todo, Depends(owned_by_caller(TODOS, "todo_id", scope=SCOPES.write))]
