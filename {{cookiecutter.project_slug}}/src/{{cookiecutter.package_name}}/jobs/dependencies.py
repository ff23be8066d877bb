"""Resolve the `{job_id}` path parameter to a job the caller owns."""

from typing import Annotated

from fastapi import Depends

from ..core.db import SessionDep
from ..core.schemas import ResourceId
from ..users.dependencies import CurrentUser
from .models import Job
from .service import get_own_job


async def get_owned_job(session: SessionDep, user: CurrentUser, job_id: ResourceId) -> Job:
    return await get_own_job(session, owner=user, job_id=job_id)


OwnedJob = Annotated[Job, Depends(get_owned_job)]
