"""Bodies of the roles and permissions endpoints."""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from ..core.domain import Permission
from ..core.schemas import RequestBody, Text
from ..identity.permissions import role_permissions
from ..users.models import ROLE_DESCRIPTION_MAX_LENGTH, ROLE_NAME_MAX_LENGTH, Role

PERMISSIONS_PER_ROLE_MAX = 200
ROLES_PER_USER_MAX = 50

RoleName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]*$",
        max_length=ROLE_NAME_MAX_LENGTH,
        description="Lower case: letters, digits, - and _",
    ),
]
Description = Annotated[Text, Field(max_length=ROLE_DESCRIPTION_MAX_LENGTH)]
PermissionName = Annotated[Text, Field(min_length=1, max_length=100)]
PermissionNames = Annotated[
    list[PermissionName],
    Field(max_length=PERMISSIONS_PER_ROLE_MAX, description="From `GET /api/v1/permissions`"),
]


class PermissionPublic(BaseModel):
    name: str
    description: str
    member: bool = Field(description="Held by the built-in member role: every registered user")


class PermissionsPublic(BaseModel):
    items: list[PermissionPublic]


class RoleCreate(RequestBody):
    name: RoleName
    description: Description = ""
    permissions: PermissionNames


class RoleUpdate(RequestBody):
    name: RoleName | None = None
    description: Description | None = None
    permissions: PermissionNames | None = None


class RolePublic(BaseModel):
    id: int
    name: str
    description: str
    permissions: list[str] = Field(description="For admin, every one; for member, the members'")
    built_in: bool = Field(description="admin and member: they cannot be changed or deleted")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, role: Role, known: Mapping[str, Permission]) -> "RolePublic":
        """The role with what it allows now: a built-in role's permissions follow the code."""
        return cls(
            id=role.id,
            name=role.name,
            description=role.description,
            permissions=sorted(role_permissions(role, known)),
            built_in=role.is_built_in,
            created_at=role.created_at,
            updated_at=role.updated_at,
        )


class RolesPublic(BaseModel):
    items: list[RolePublic]


class UserRolesUpdate(RequestBody):
    roles: list[RoleName] = Field(
        max_length=ROLES_PER_USER_MAX, description="Every role the user is to hold, by name"
    )
