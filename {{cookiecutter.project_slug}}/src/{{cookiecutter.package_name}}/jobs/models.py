"""The jobs table: who asked for what, how far it got, and what it produced."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime
from ..core.models import OwnedMixin

KIND_MAX_LENGTH = 50


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(OwnedMixin, Base):
    __tablename__ = "jobs"

    # Which domain's job it is, as it names it in its declaration: "todos.export".
    kind: Mapped[str] = mapped_column(String(KIND_MAX_LENGTH))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
