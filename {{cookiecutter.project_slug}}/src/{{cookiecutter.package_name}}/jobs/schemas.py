"""Response bodies for jobs."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from .models import JobStatus


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: JobStatus
    # Set once the job has succeeded; its shape depends on the kind.
    result: dict[str, Any] | None
    # Set once the job has failed: what went wrong, in one line.
    error: str | None
    owner_id: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
