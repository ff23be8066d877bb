"""The services of a one-process bake: the outbox's jobs run and its mails go out over SMTP in
the web process after the answer (FastAPI's background tasks), the schedules run in the web
processes (each tick in the one that claims it), failed logins, account mails and
rate-limited requests are counted in memory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .core.config import Settings
from .delivery import Delivery
from .domains import permissions, schedules
from .infra.context import AppContext
from .infra.mail.sender import MailSender
from .infra.outbox.relay import Relay
from .infra.periodic import repeating
from .infra.rate_counter_memory import MemoryRateCounter
from .infra.rate_limit import RateLimits
from .infra.schedules.runner import POLL_SECONDS, run_due
from .infra.throttle import MailLimits
from .infra.throttle_memory import MemoryThrottle


@asynccontextmanager
async def open_context(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AppContext]:
    due = partial(run_due, session_factory, settings, tuple(schedules().values()))
    async with repeating(due, every_seconds=POLL_SECONDS):
        yield AppContext(
            settings=settings,
            session_factory=session_factory,
            login_throttle=MemoryThrottle(
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
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
            # Handing a message over is doing its work here: its lease covers the longest job.
            outbox_relay=Relay(
                session_factory,
                Delivery(settings, session_factory, MailSender(settings)),
                lease_seconds=settings.outbox_lease_seconds,
                sweep_after_seconds=settings.outbox_sweep_seconds,
            ),
            permissions=permissions(),
        )
