"""The outbox table: one row per message to hand over, kept until it is purged."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, UTCDateTime
from ...core.models import IdMixin, TimestampMixin

TOPIC_MAX_LENGTH = 50


class OutboxMessage(IdMixin, TimestampMixin, Base):
    __tablename__ = "outbox_messages"
    # The relay's query: messages not handed over yet, oldest first.
    __table_args__ = (Index("ix_outbox_messages_sent_at_id", "sent_at", "id"),)

    # What the message sets off, as its consumer is registered: "jobs.run", "auth.mail".
    topic: Mapped[str] = mapped_column(String(TOPIC_MAX_LENGTH))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A relay is handing it over until then; past it (the relay died), another one may.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Handed over to the runner: the relay is done with it.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its consumer did the work, where a consumer cannot tell from its own rows (a mail).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
