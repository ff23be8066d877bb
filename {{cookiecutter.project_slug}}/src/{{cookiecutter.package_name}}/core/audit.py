"""The audit trail: an append-only table of who did what to which row, when, and in which
request. `record` adds an event to the session of the change it records, so the two are
committed together, or neither is; nothing in the API changes or deletes an event."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime, utc_now
from .logging import request_id_var
from .models import IdMixin

ACTION_MAX_LENGTH = 64


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_events"

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    # Who acted: kept when their account is deleted later (the id stays, unlinked).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(ACTION_MAX_LENGTH), index=True)
    # The row acted on: its table and id.
    target_type: Mapped[str | None] = mapped_column(String(ACTION_MAX_LENGTH))
    target_id: Mapped[int | None] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(ACTION_MAX_LENGTH))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    target: tuple[str, int] | None = None,
    **details: Any,
) -> None:
    """Add an event to `session`: it is written by the commit of the change it records."""
    request_id = request_id_var.get()
    session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action,
            target_type=target[0] if target else None,
            target_id=target[1] if target else None,
            request_id=None if request_id == "-" else request_id,
            details=details,
        )
    )
