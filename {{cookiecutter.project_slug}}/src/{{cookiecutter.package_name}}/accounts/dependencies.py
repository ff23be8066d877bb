"""The permission to manage accounts, and the account it manages (`{user_id}`)."""

from typing import Annotated

from fastapi import Depends

from ..core.domain import Permission
from ..core.schemas import ResourceId
from ..identity.dependencies import Requires
from ..identity.principal import Principal
from ..infra.context import SessionDep
from ..users.models import User
from ..users.service import get_existing_user

MANAGE_USERS = Permission("users:manage", "List, read, deactivate and delete anyone's account")

UserManager = Annotated[Principal, Requires(MANAGE_USERS.name)]


async def get_managed_user(session: SessionDep, _: UserManager, user_id: ResourceId) -> User:
    """Managers only: anyone else gets a 403 before learning whether the user exists."""
    return await get_existing_user(session, user_id=user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]
