"""Queries and writes on roles and on who holds them. What a role allows is read in the
identity layer (`identity/permissions.py`); here, the rules of holding one: built-in roles
stay as they are, and there is always an active admin."""

from collections.abc import Collection, Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.exceptions import FieldRefusedError
from .exceptions import (
    BuiltInRoleError,
    LastAdminError,
    RoleNameTakenError,
    RoleNotFoundError,
)
from .models import ADMIN, Role, User, UserRole

_ALL = select(Role).order_by(Role.id)
_BY_ID = select(Role).where(Role.id == bindparam("role_id"))
_BY_NAMES = select(Role).where(Role.name.in_(bindparam("names", expanding=True)))
# Locked while a change may take the admin role from someone: two such changes at once wait
# for each other, so neither can count the other's admin as still there (PostgreSQL; SQLite
# runs one write at a time anyway).
_ADMIN_ROLE = select(Role).where(Role.name == ADMIN).with_for_update()
_OTHER_ACTIVE_ADMINS = (
    select(func.count())
    .select_from(UserRole)
    .join(User, User.id == UserRole.user_id)
    .where(
        UserRole.role_id == bindparam("role_id"),
        User.is_active.is_(True),
        User.id != bindparam("user_id"),
    )
)


async def list_roles(session: AsyncSession) -> Sequence[Role]:
    return (await session.scalars(_ALL)).all()


async def get_existing_role(session: AsyncSession, *, role_id: int) -> Role:
    role = await session.scalar(_BY_ID, {"role_id": role_id})
    if role is None:
        raise RoleNotFoundError
    return role


async def roles_named(session: AsyncSession, names: Collection[str], *, field: str) -> list[Role]:
    """The roles of these names; a name no role has is a 422 on `field`."""
    roles = list(await session.scalars(_BY_NAMES, {"names": sorted(set(names))}))
    if unknown := sorted(set(names) - {role.name for role in roles}):
        raise FieldRefusedError(
            field=field, error_type="unknown_role", message=f"No such role: {', '.join(unknown)}"
        )
    return roles


def _check_permissions(permissions: Collection[str], known: Collection[str]) -> None:
    if unknown := sorted(set(permissions) - set(known)):
        raise FieldRefusedError(
            field="permissions",
            error_type="unknown_permission",
            message=f"Unknown permissions: {', '.join(unknown)} (GET /api/v1/permissions)",
        )


async def _commit_role(session: AsyncSession, role: Role, action: str, *, actor_id: int) -> None:
    """Write the role and its audit event, or neither: a name already taken is a 409."""
    try:
        await session.flush()
        details = {"name": role.name, "permissions": role.permissions}
        record(session, action, actor_id=actor_id, target=("roles", role.id), **details)
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise RoleNameTakenError from None


async def create_role(
    session: AsyncSession,
    *,
    actor_id: int,
    name: str,
    description: str,
    permissions: Collection[str],
    known: Collection[str],
) -> Role:
    _check_permissions(permissions, known)
    role = Role(name=name, description=description, permissions=sorted(set(permissions)))
    session.add(role)
    await _commit_role(session, role, "role.created", actor_id=actor_id)
    return role


async def update_role(
    session: AsyncSession,
    *,
    actor_id: int,
    role: Role,
    name: str | None,
    description: str | None,
    permissions: Collection[str] | None,
    known: Collection[str],
) -> Role:
    """Change what was sent; holders of the role have its new permissions at their next
    request."""
    if role.is_built_in:
        raise BuiltInRoleError
    if permissions is not None:
        _check_permissions(permissions, known)
        role.permissions = sorted(set(permissions))
    if name is not None:
        role.name = name
    if description is not None:
        role.description = description
    await _commit_role(session, role, "role.updated", actor_id=actor_id)
    return role


async def delete_role(session: AsyncSession, *, actor_id: int, role: Role) -> None:
    if role.is_built_in:
        raise BuiltInRoleError
    record(session, "role.deleted", actor_id=actor_id, target=("roles", role.id), name=role.name)
    await session.delete(role)
    await session.commit()


async def refuse_losing_last_admin(session: AsyncSession, *, user: User) -> None:
    """Before `user` stops being an active admin (demoted, deactivated or deleted): refused
    when no other active admin would remain."""
    if not user.is_admin:
        return
    admin = await session.scalar(_ADMIN_ROLE)
    if admin is None:  # pragma: no cover  # made by the migration that made the table
        raise RoleNotFoundError
    others = await session.scalar(_OTHER_ACTIVE_ADMINS, {"role_id": admin.id, "user_id": user.id})
    if not others:
        raise LastAdminError


async def set_roles(
    session: AsyncSession, *, actor_id: int | None, user: User, roles: Sequence[Role]
) -> User:
    """Give `user` exactly `roles`; they apply from the user's next request. `actor_id` is
    None for the command line."""
    if not any(role.name == ADMIN for role in roles):
        await refuse_losing_last_admin(session, user=user)
    before = user.role_names
    user.roles = sorted(set(roles), key=lambda role: role.id)
    changes = {"before": before, "after": user.role_names}
    record(session, "user.roles_changed", actor_id=actor_id, target=("users", user.id), **changes)
    await session.commit()
    return user
