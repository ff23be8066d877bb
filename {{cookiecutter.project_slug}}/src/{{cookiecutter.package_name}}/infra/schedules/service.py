"""Claiming a schedule's tick, and running a schedule once."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...core.config import Settings
from ...core.db import utc_now
from ...core.domain import Schedule
from .models import ScheduleTick

logger = logging.getLogger(__name__)


def _next_after(due: datetime, now: datetime, every: timedelta) -> datetime:
    """The first tick after `now` on `due`'s beat: ticks missed while nothing ran are skipped."""
    return due + every * ((now - due) // every + 1)


async def claim_tick(session: AsyncSession, *, name: str, every_seconds: float) -> datetime | None:
    """The tick of schedule `name` due now, if this caller is the one to run it, else None.

    The row's due time moves on with a conditional UPDATE (compare and set), committed before
    the tick runs: of two processes that saw it due, the second matches no row (PostgreSQL
    makes it wait for the first's commit, SQLite has one writer). A schedule seen for the
    first time ticks at once; of two processes inserting its row, one fails on the key."""
    now, every = utc_now(), timedelta(seconds=every_seconds)
    due = await session.scalar(select(ScheduleTick.next_run_at).where(ScheduleTick.name == name))
    if due is None:
        session.add(ScheduleTick(name=name, next_run_at=now + every))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return None
        return now
    if due > now:
        await session.rollback()  # ends the read transaction
        return None
    moved = await session.scalar(
        update(ScheduleTick)
        .where(ScheduleTick.name == name, ScheduleTick.next_run_at == due)
        .values(next_run_at=_next_after(due, now, every))
        .returning(ScheduleTick.name)
    )
    await session.commit()
    return due if moved is not None else None


async def run_schedule(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    schedule: Schedule,
    tick: datetime,
) -> None:
    """Run one tick of `schedule` in a session of its own, and commit it."""
    async with session_factory() as session:
        await schedule.run(session, settings)
        await session.commit()
    logger.info("Schedule %s ran its tick of %s", schedule.name, tick.isoformat())
