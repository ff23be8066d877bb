"""Every permission; roles (made, changed and deleted at run time); who holds which."""

from fastapi import APIRouter, Response, status

from ..core.responses import error_responses
from ..core.schemas import ResourceId
from ..identity.dependencies import CurrentUser
from ..infra.context import PermissionsDep, SessionDep
from ..users.roles import create_role, delete_role, list_roles, roles_named, set_roles, update_role
from ..users.schemas import UserPublic
from ..users.service import get_existing_user
from .dependencies import ManagedRole, RoleManager
from .schemas import (
    PermissionPublic,
    PermissionsPublic,
    RoleCreate,
    RolePublic,
    RolesPublic,
    RoleUpdate,
    UserRolesUpdate,
)

router = APIRouter(tags=["roles"], responses=error_responses(status.HTTP_401_UNAUTHORIZED))

_MANAGERS_ONLY = error_responses(status.HTTP_403_FORBIDDEN)
_MANAGED = error_responses(status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND)
_CHANGED = error_responses(status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE)


@router.get("/permissions")
async def read_permissions(_: CurrentUser, known: PermissionsDep) -> PermissionsPublic:
    """Every permission the domains declare: what roles may allow and API keys carry."""
    return PermissionsPublic(
        items=[
            PermissionPublic(name=name, description=p.description, member=p.member)
            for name, p in sorted(known.items())
        ]
    )


@router.get("/roles", responses=_MANAGERS_ONLY)
async def read_roles(session: SessionDep, _: RoleManager, known: PermissionsDep) -> RolesPublic:
    return RolesPublic(items=[RolePublic.of(role, known) for role in await list_roles(session)])


@router.post("/roles", status_code=status.HTTP_201_CREATED, responses=_MANAGERS_ONLY | _CHANGED)
async def create(
    session: SessionDep, manager: RoleManager, known: PermissionsDep, role_in: RoleCreate
) -> RolePublic:
    role = await create_role(
        session,
        actor_id=manager.id,
        name=role_in.name,
        description=role_in.description,
        permissions=role_in.permissions,
        known=known,
    )
    return RolePublic.of(role, known)


@router.get("/roles/{role_id:int}", responses=_MANAGED)
async def read(role: ManagedRole, known: PermissionsDep) -> RolePublic:
    return RolePublic.of(role, known)


@router.patch("/roles/{role_id:int}", responses=_MANAGED | _CHANGED)
async def update(
    session: SessionDep,
    manager: RoleManager,
    role: ManagedRole,
    known: PermissionsDep,
    role_in: RoleUpdate,
) -> RolePublic:
    """Change what was sent; the role's holders have its new permissions from their next
    request. Built-in roles (admin, member) cannot be changed."""
    updated = await update_role(
        session,
        actor_id=manager.id,
        role=role,
        name=role_in.name,
        description=role_in.description,
        permissions=role_in.permissions,
        known=known,
    )
    return RolePublic.of(updated, known)


@router.delete(
    "/roles/{role_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=_MANAGED | error_responses(status.HTTP_409_CONFLICT),
)
async def delete(session: SessionDep, manager: RoleManager, role: ManagedRole) -> None:
    """Delete a role made at run time; its holders lose it at their next request."""
    await delete_role(session, actor_id=manager.id, role=role)


@router.put("/users/{user_id:int}/roles", responses=_MANAGED | _CHANGED)
async def set_user_roles(
    session: SessionDep, manager: RoleManager, user_id: ResourceId, roles_in: UserRolesUpdate
) -> UserPublic:
    """Give the user exactly these roles, from their next request on. The last active admin
    keeps admin."""
    user = await get_existing_user(session, user_id=user_id)
    roles = await roles_named(session, roles_in.roles, field="roles")
    changed = await set_roles(session, actor_id=manager.id, user=user, roles=roles)
    return UserPublic.model_validate(changed)
