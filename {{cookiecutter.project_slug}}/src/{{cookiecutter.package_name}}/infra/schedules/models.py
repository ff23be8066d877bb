"""The schedule_ticks table: when each schedule is next due, for the in-process scheduler."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, UTCDateTime

NAME_MAX_LENGTH = 100


class ScheduleTick(Base):
    __tablename__ = "schedule_ticks"

    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), primary_key=True)
    # When its next tick is due: the process that moves this on runs that tick.
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
