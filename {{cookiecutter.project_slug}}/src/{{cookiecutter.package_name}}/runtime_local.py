"""The services of a one-process bake: jobs run in the web process after the answer (FastAPI's
background tasks), failed logins, account mails and rate-limited requests are counted in
memory, mails go out over SMTP from here."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import BackgroundTasks
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .core.config import Settings
from .core.domain import JobFunction
from .domains import job_functions, permissions
from .infra.context import AppContext
from .infra.mail.sender import MailSender
from .infra.rate_counter_memory import MemoryRateCounter
from .infra.rate_limit import RateLimits
from .infra.throttle import MailLimits
from .infra.throttle_memory import MemoryThrottle
from .jobs.service import run_job


@dataclass(frozen=True, slots=True)
class InProcessJobRunner:
    session_factory: async_sessionmaker[AsyncSession]
    functions: Mapping[str, JobFunction]

    async def start(self, job_id: int, background: BackgroundTasks) -> None:
        background.add_task(run_job, self.session_factory, self.functions, job_id)


@asynccontextmanager
async def open_context(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AppContext]:
    yield AppContext(
        settings=settings,
        session_factory=session_factory,
        mail_sender=MailSender(settings),
        login_throttle=MemoryThrottle(
            max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds
        ),
        mail_limits=MailLimits(
            per_address=MemoryThrottle(
                max_failures=settings.mail_max_per_address,
                window_seconds=settings.mail_window_seconds,
            ),
            per_client=MemoryThrottle(
                max_failures=settings.mail_max_per_client,
                window_seconds=settings.mail_window_seconds,
            ),
        ),
        rate_limits=RateLimits.from_settings(settings, MemoryRateCounter()),
        job_runner=InProcessJobRunner(session_factory, job_functions()),
        permissions=permissions(),
    )
