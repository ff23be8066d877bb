"""The in-process scheduler: every web process looks for due ticks (`repeating` run_due every
POLL_SECONDS) and runs those it claims, so no process is special and the schedules go on while
any one of them lives."""

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...core.config import Settings
from ...core.db import DATABASE_ERRORS
from ...core.domain import Schedule
from .service import claim_tick, run_schedule

logger = logging.getLogger(__name__)

# Seconds between looks for due ticks: how late a tick may start.
POLL_SECONDS = 1.0


async def run_due(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    schedules: Sequence[Schedule],
) -> None:
    """Run each schedule whose tick is due and this process claims. A tick that fails is
    logged and not run again: the next one comes."""
    for schedule in schedules:
        try:
            async with session_factory() as session:
                tick = await claim_tick(
                    session, name=schedule.name, every_seconds=schedule.every(settings)
                )
            if tick is not None:
                await run_schedule(session_factory, settings, schedule, tick)
        except DATABASE_ERRORS as error:
            logger.error("Schedule %s could not run: %r", schedule.name, error)
