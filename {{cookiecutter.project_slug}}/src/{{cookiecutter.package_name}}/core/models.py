"""Columns every resource shares, as mixins: a model states only its own fields."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .db import UTCDateTime, utc_now


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, sort_order=1)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now, sort_order=1
    )


class OwnedMixin(IdMixin, TimestampMixin):
    """A row that belongs to one user: deleted with its owner, indexed for the owner's
    newest-first listing (so that listing needs no sort), and versioned: SQLAlchemy adds one
    to `version` on every update and makes the update and delete match the version it read,
    so a write that lost a race fails instead of undoing the other (its ETag is built from
    it)."""

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), sort_order=1)
    version: Mapped[int] = mapped_column(server_default=text("1"), sort_order=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table: str = getattr(cls, "__tablename__")  # noqa: B009  # set by the model itself
        return (Index(f"ix_{table}_owner_id_created_at", "owner_id", "created_at"),)
