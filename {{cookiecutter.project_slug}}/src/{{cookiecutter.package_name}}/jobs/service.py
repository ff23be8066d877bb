"""Queries and writes on jobs, and running one: the same code whichever runner calls it."""

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.db import DRIVER_CONNECTION_ERRORS, utc_now
from ..users.models import User
from .exceptions import JobNotFoundError
from .exports import JOB_FUNCTIONS
from .models import Job, JobKind, JobStatus

logger = logging.getLogger(__name__)

# Worth trying again later (the database is restarting or unreachable), unlike a bug.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, *DRIVER_CONNECTION_ERRORS)

_BY_ID = select(Job).where(Job.id == bindparam("job_id"))


async def create_job(session: AsyncSession, *, owner: User, kind: JobKind) -> Job:
    job = Job(owner_id=owner.id, kind=kind, status=JobStatus.QUEUED)
    session.add(job)
    await session.commit()
    return job


async def get_own_job(session: AsyncSession, *, owner: User, job_id: int) -> Job:
    """The owner's job; someone else's is reported exactly like a missing one."""
    job = await session.scalar(_BY_ID, {"job_id": job_id})
    if job is None or job.owner_id != owner.id:
        raise JobNotFoundError
    return job


async def run_job(session_factory: async_sessionmaker[AsyncSession], job_id: int) -> None:
    """Run the job and record how it ended. A job delivered again (its worker died) simply
    runs again: jobs only read, so running one twice is harmless. Database outages are
    raised for the runner to retry; any other error fails the job."""
    async with session_factory() as session:
        job = await session.scalar(_BY_ID, {"job_id": job_id})
        if job is None:
            logger.warning("Job %s no longer exists (its owner was deleted)", job_id)
            return
        job.status, job.error, job.finished_at = JobStatus.RUNNING, None, None
        await session.commit()
        try:
            job.result = await JOB_FUNCTIONS[job.kind](session, job.owner_id)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            logger.exception("Job %s (%s) failed", job_id, job.kind)
            await session.rollback()
            # The error's kind only: its message may quote data or internals.
            job.status, job.error = JobStatus.FAILED, type(error).__name__
        else:
            job.status = JobStatus.SUCCEEDED
        job.finished_at = utc_now()
        await session.commit()
