{%- if cookiecutter.background_jobs == "celery" -%}
"""Where jobs run: a Celery worker, through Redis (see celery_app.py)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from kombu.exceptions import OperationalError

from .celery_app import enqueue
from .exceptions import JobQueueUnavailableError
from .tasks import run_job_task

JobStarter = Callable[[int], Awaitable[None]]


async def _enqueue(job_id: int) -> None:
    # Publishing blocks on the broker's socket: keep it off the event loop.
    try:
        await asyncio.to_thread(enqueue, run_job_task, job_id)
    except OperationalError as error:
        raise JobQueueUnavailableError from error


async def _job_starter() -> JobStarter:
    return _enqueue
{%- else -%}
"""Where jobs run: in the web process, after the answer (FastAPI's background tasks)."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from .service import run_job

JobStarter = Callable[[int], Awaitable[None]]


async def _job_starter(request: Request, background: BackgroundTasks) -> JobStarter:
    session_factory = request.app.state.session_factory

    async def start(job_id: int) -> None:
        background.add_task(run_job, session_factory, job_id)

    return start
{%- endif %}


JobStarterDep = Annotated[JobStarter, Depends(_job_starter)]
