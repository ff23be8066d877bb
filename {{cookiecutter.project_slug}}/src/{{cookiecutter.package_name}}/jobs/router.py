"""Follow a job to its result."""

from fastapi import APIRouter, status

from ..core.responses import error_responses
from .dependencies import OwnedJob
from .schemas import JobPublic

router = APIRouter(
    prefix="/jobs", tags=["jobs"], responses=error_responses(status.HTTP_401_UNAUTHORIZED)
)


@router.get("/{job_id:int}", responses=error_responses(status.HTTP_404_NOT_FOUND))
async def read_job(job: OwnedJob) -> JobPublic:
    """The job's status and, once it has succeeded, its result."""
    return JobPublic.model_validate(job)
