"""Queries and writes on jobs, and running one: the same code whichever runner calls it."""

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.db import DATABASE_ERRORS, utc_now
from ..core.domain import JobFunction
from ..core.owned import Owned
from ..infra.outbox.dependencies import RequestOutbox
from .exceptions import JobNotFoundError
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

JOBS = Owned(Job, not_found=JobNotFoundError)
# The outbox topic of a job to run; its payload is {"job_id": ...}.
JOB_TOPIC = "jobs.run"
FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


async def create_job(
    session: AsyncSession, *, owner_id: int, kind: str, outbox: RequestOutbox
) -> Job:
    """The job and its outbox message, committed together: a job is run if and only if it
    was recorded."""
    job = Job(owner_id=owner_id, kind=kind, status=JobStatus.QUEUED)
    session.add(job)
    await session.flush()
    outbox.record(JOB_TOPIC, {"job_id": job.id})
    await session.commit()
    return job


async def run_job(
    session_factory: async_sessionmaker[AsyncSession],
    functions: Mapping[str, JobFunction],
    job_id: int,
) -> None:
    """Run the job with its kind's function and record how it ended. A finished job delivered
    again (the outbox handed it over twice) is left as it ended; an unfinished one (its
    worker died) runs again: jobs only read, so running one twice is harmless. Database
    outages are raised for the runner to retry; any other error fails the job."""
    async with session_factory() as session:
        job = await session.scalar(JOBS.by_id, {"row_id": job_id})
        if job is None:
            logger.warning("Job %s no longer exists (its owner was deleted)", job_id)
            return
        if job.status in FINISHED:
            logger.info("Job %s was delivered again after it had %s", job_id, job.status)
            return
        job.status, job.error, job.finished_at = JobStatus.RUNNING, None, None
        await session.commit()
        try:
            job.result = await functions[job.kind](session, job.owner_id)
        except DATABASE_ERRORS:
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
