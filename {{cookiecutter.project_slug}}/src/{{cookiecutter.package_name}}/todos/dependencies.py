"""The permissions of todos, the caller holding each, and the path parameter
`{todo_id}` resolved to a row the caller reaches: one of their own, or with
`todos:read-any` (`todos:write-any` to change it) anyone's."""

from typing import Annotated

from fastapi import Depends

from ..core.domain import ResourcePermissions
from ..identity.dependencies import Requires
from ..identity.ownership import owned_by_caller
from ..identity.principal import Principal
from .models import Todo
from .service import TODOS

PERMISSIONS = ResourcePermissions("todos", words="todos")

Reader = Annotated[Principal, Requires(PERMISSIONS.read)]
Writer = Annotated[Principal, Requires(PERMISSIONS.write)]
TodoToRead = Annotated[Todo, Depends(owned_by_caller(TODOS, "todo_id", PERMISSIONS.to_read))]
TodoToChange = Annotated[Todo, Depends(owned_by_caller(TODOS, "todo_id", PERMISSIONS.to_change))]
