"""Start a job (an export of the caller's todos) and follow it to its result."""

from fastapi import APIRouter, Request, Response, status

from ..core.db import SessionDep
from ..core.responses import error_responses
from ..users.dependencies import CurrentUser
from .dependencies import OwnedJob
from .models import JobKind
from .runner import JobStarterDep
from .schemas import JobPublic
from .service import create_job

router = APIRouter(tags=["jobs"], responses=error_responses(status.HTTP_401_UNAUTHORIZED))


@router.post("/todos/export", status_code=status.HTTP_202_ACCEPTED)
async def export_todos(
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    start: JobStarterDep,
) -> JobPublic:
    """Export every todo of the caller in the background; follow the job at `Location`."""
    job = await create_job(session, owner=user, kind=JobKind.TODOS_EXPORT)
    await start(job.id)
    response.headers["Location"] = request.app.url_path_for("read_job", job_id=str(job.id))
    return JobPublic.model_validate(job)


@router.get("/jobs/{job_id}", responses=error_responses(status.HTTP_404_NOT_FOUND))
async def read_job(job: OwnedJob) -> JobPublic:
    """The job's status and, once it has succeeded, its result."""
    return JobPublic.model_validate(job)
