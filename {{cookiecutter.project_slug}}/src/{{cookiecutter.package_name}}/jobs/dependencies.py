"""Starting a job from a route, and resolving `{job_id}` to a job the caller owns."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.domain import Access, Permission
from ..identity.ownership import owned_by_caller
from ..infra.context import SessionDep
from ..infra.outbox.dependencies import OutboxDep, RequestOutbox
from .models import Job
from .schemas import JobPublic
from .service import JOBS, create_job

TO_READ = Access(own="jobs:read", anyone="jobs:read-any")
PERMISSIONS = (
    Permission(TO_READ.own, "Follow your jobs and read their results", member=True),
    Permission(TO_READ.anyone, "Follow anyone's jobs and read their results"),
)

OwnedJob = Annotated[Job, Depends(owned_by_caller(JOBS, "job_id", TO_READ))]


@dataclass(frozen=True, slots=True)
class JobStarter:
    """Records a job of some kind for its owner, which the outbox hands to the runner after
    the answer; the answer points at the job (`Location`), which its owner follows to the
    result."""

    session: AsyncSession
    outbox: RequestOutbox
    request: Request
    response: Response

    async def __call__(self, kind: str, *, owner_id: int) -> JobPublic:
        job = await create_job(self.session, owner_id=owner_id, kind=kind, outbox=self.outbox)
        location = self.request.app.url_path_for("read_job", job_id=str(job.id))
        self.response.headers["Location"] = location
        return JobPublic.model_validate(job)


async def _job_starter(
    session: SessionDep, outbox: OutboxDep, request: Request, response: Response
) -> JobStarter:
    return JobStarter(session, outbox, request, response)


StartJob = Annotated[JobStarter, Depends(_job_starter)]
