"""The user table."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base
from ..core.models import IdMixin, TimestampMixin
from .schemas import EMAIL_MAX_LENGTH


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # Followed the link of the verification mail (or a password reset mail, which proves the
    # same); EMAIL_VERIFICATION_REQUIRED refuses logins until then.
    is_verified: Mapped[bool] = mapped_column(default=False)
