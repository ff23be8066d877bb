"""The user a request acts for, as its credentials' lookup found them, read without the ORM.

Every authenticated request needs one, and most only ask who it is and what they may do: a
Core select on the session's connection answers that for a fraction of what loading `User`
with its roles costs (no identity map, no instance state, no eager loader). A route that
changes the user loads its row (`CurrentUserRow`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select

from ..users.models import Role, User, UserRole


@dataclass(frozen=True, slots=True)
class HeldRole:
    name: str
    # For a role made at run time, the permission names it lists; empty for the built-in ones.
    permissions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_verified: bool
    created_at: datetime
    updated_at: datetime
    roles: tuple[HeldRole, ...]

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)


_COLUMNS = (
    User.id.label("principal_id"),
    User.email,
    User.full_name,
    User.is_active,
    User.is_verified,
    User.created_at.label("principal_created_at"),
    User.updated_at.label("principal_updated_at"),
    User.hashed_password,
    Role.name.label("role_name"),
    Role.permissions.label("role_permissions"),
)


def with_principal(
    statement: Select[*tuple[Any, ...]],
) -> Select[*tuple[Any, ...]]:
    """`statement`, which joins `users`, with the user's columns added: one row per role they
    hold (one row, its role columns null, for a user who holds none)."""
    return (
        statement.add_columns(*_COLUMNS)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(Role, Role.id == UserRole.role_id)
    )


def principal_of(rows: Sequence[Row[Any]]) -> Principal:
    """The principal the rows of a `with_principal` statement (at least one) describe."""
    first = rows[0]
    return Principal(
        id=first.principal_id,
        email=first.email,
        full_name=first.full_name,
        is_active=first.is_active,
        is_verified=first.is_verified,
        created_at=first.principal_created_at,
        updated_at=first.principal_updated_at,
        roles=tuple(
            HeldRole(row.role_name, tuple(row.role_permissions))
            for row in rows
            if row.role_name is not None
        ),
    )
