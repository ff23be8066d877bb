"""The user table, the roles table, and which user holds which role."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base
from ..core.models import IdMixin, TimestampMixin
from .schemas import EMAIL_MAX_LENGTH

ROLE_NAME_MAX_LENGTH = 50
ROLE_DESCRIPTION_MAX_LENGTH = 255
# Built in, made by the migration that made the table: admin holds every permission, member
# those the domains give every registered user. Neither can be changed or deleted.
ADMIN = "admin"
MEMBER = "member"
BUILT_IN_ROLES = {
    ADMIN: "Everything, the permissions of every domain added later too",
    MEMBER: "What every registered user may do with their own data",
}


class Role(IdMixin, TimestampMixin, Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(ROLE_NAME_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(String(ROLE_DESCRIPTION_MAX_LENGTH), default="")
    # Permission names; for the built-in roles, empty (theirs follow the code).
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    @property
    def is_built_in(self) -> bool:
        return self.name in BUILT_IN_ROLES

    def __str__(self) -> str:
        return self.name


class UserRole(Base):
    """Who holds which role."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Followed the link of the verification mail (or a password reset mail, which proves the
    # same); EMAIL_VERIFICATION_REQUIRED refuses logins until then.
    is_verified: Mapped[bool] = mapped_column(default=False)
    # Loaded with the user (one more query), as every request asks what its caller may do.
    roles: Mapped[list[Role]] = relationship(secondary="user_roles", lazy="selectin")

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

    @property
    def is_admin(self) -> bool:
        return any(role.name == ADMIN for role in self.roles)
