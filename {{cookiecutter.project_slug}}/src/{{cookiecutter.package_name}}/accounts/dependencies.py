"""The account a superuser manages (`{user_id}`)."""

from typing import Annotated

from fastapi import Depends

from ..core.schemas import ResourceId
from ..identity.dependencies import CurrentSuperuser
from ..infra.context import SessionDep
from ..users.models import User
from ..users.service import get_existing_user


async def get_managed_user(session: SessionDep, _: CurrentSuperuser, user_id: ResourceId) -> User:
    """Superusers only: anyone else gets a 403 before learning whether the user exists."""
    return await get_existing_user(session, user_id=user_id)


ManagedUser = Annotated[User, Depends(get_managed_user)]
