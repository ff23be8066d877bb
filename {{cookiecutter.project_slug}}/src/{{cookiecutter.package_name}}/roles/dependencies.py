"""The permission to manage roles, and the role it manages (`{role_id}`)."""

from typing import Annotated

from fastapi import Depends

from ..core.domain import Permission
from ..core.schemas import ResourceId
from ..identity.dependencies import Requires
from ..identity.principal import Principal
from ..infra.context import SessionDep
from ..users.models import Role
from ..users.roles import get_existing_role

# Whoever may make roles and hand them out may give themselves any permission: grant it as
# carefully as admin.
MANAGE_ROLES = Permission("roles:manage", "Make, change and delete roles, and set who holds them")

RoleManager = Annotated[Principal, Requires(MANAGE_ROLES.name)]


async def get_managed_role(session: SessionDep, _: RoleManager, role_id: ResourceId) -> Role:
    return await get_existing_role(session, role_id=role_id)


ManagedRole = Annotated[Role, Depends(get_managed_role)]
