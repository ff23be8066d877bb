"""Schedules: each tick claimed by one caller only, the built-in purges, and the registry."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import create_db_engine, utc_now
from {{ cookiecutter.package_name }}.core.domain import Schedule
from {{ cookiecutter.package_name }}.domains import schedules
from {{ cookiecutter.package_name }}.identity.models import LoginSession
from {{ cookiecutter.package_name }}.infra.outbox.models import OutboxMessage
from {{ cookiecutter.package_name }}.infra.schedules.models import ScheduleTick
from {{ cookiecutter.package_name }}.infra.schedules.runner import run_due
from {{ cookiecutter.package_name }}.infra.schedules.service import claim_tick

from ..factories import UserFactory
from ..smtp_server import free_port

EVERY = 60.0


async def claim(session_factory: async_sessionmaker[AsyncSession]) -> bool:
    async with session_factory() as session:
        return await claim_tick(session, name="test.tick", every_seconds=EVERY) is not None


def make_due(session: Session, *, ago: timedelta) -> None:
    session.execute(update(ScheduleTick).values(next_run_at=utc_now() - ago))
    session.commit()


@pytest.mark.anyio
async def test_a_new_schedule_ticks_at_once_then_waits_its_interval(
    session_factory: async_sessionmaker[AsyncSession], session: Session
) -> None:
    assert await claim(session_factory)
    assert not await claim(session_factory)
    next_run = session.scalars(select(ScheduleTick.next_run_at)).one()
    assert timedelta(seconds=EVERY - 5) < next_run - utc_now() <= timedelta(seconds=EVERY)


@pytest.mark.anyio
async def test_a_due_tick_is_claimed_once(
    session_factory: async_sessionmaker[AsyncSession], session: Session
) -> None:
    await claim(session_factory)
    make_due(session, ago=timedelta(seconds=1))
    assert [await claim(session_factory) for _ in range(3)] == [True, False, False]


@pytest.mark.anyio
async def test_ticks_missed_while_nothing_ran_are_skipped(
    session_factory: async_sessionmaker[AsyncSession], session: Session
) -> None:
    await claim(session_factory)
    make_due(session, ago=timedelta(seconds=EVERY * 10 + 1))
    assert await claim(session_factory)
    assert not await claim(session_factory)
    session.rollback()
    next_run = session.scalars(select(ScheduleTick.next_run_at)).one()
    assert timedelta(0) < next_run - utc_now() <= timedelta(seconds=EVERY)


@pytest.mark.anyio
async def test_run_due_runs_each_claimed_tick_and_commits(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, session: Session
) -> None:
    runs: list[str] = []

    async def note(db: AsyncSession, _settings: Settings) -> None:
        runs.append("ran")
        db.add(OutboxMessage(topic="test.ran", payload={}))

    schedule = Schedule("test.note", note, every=lambda _settings: EVERY)
    await run_due(session_factory, settings, [schedule])
    await run_due(session_factory, settings, [schedule])  # not due again yet
    assert runs == ["ran"]
    assert session.scalars(select(OutboxMessage.topic)).all() == ["test.ran"]


@pytest.mark.anyio
async def test_the_purges_delete_only_what_has_lapsed(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    session: Session,
    users: UserFactory,
) -> None:
    user, now = users.create(), utc_now()
    old = now - timedelta(days=settings.refresh_token_idle_days + 1)
    old_sent = now - timedelta(days=settings.outbox_keep_days + 1)
    session.add_all(
        [
            LoginSession(user_id=user.id, created_at=old, last_used_at=old),
            LoginSession(user_id=user.id, created_at=now, last_used_at=now),
            OutboxMessage(topic="old", payload={}, sent_at=old_sent),
            OutboxMessage(topic="recent", payload={}, sent_at=now),
            OutboxMessage(topic="unsent", payload={}),
        ]
    )
    session.commit()
    await run_due(session_factory, settings, list(schedules().values()))
    session.rollback()
    assert session.scalars(select(LoginSession.last_used_at)).all() == [now]
    assert set(session.scalars(select(OutboxMessage.topic))) == {"recent", "unsent"}


@pytest.mark.anyio
async def test_a_schedule_whose_database_is_unreachable_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = settings.model_copy(
        update={"database_url": f"postgresql://app@127.0.0.1:{free_port()}/app"}
    )
    engine = create_db_engine(unreachable)
    with caplog.at_level(logging.ERROR):
        await run_due(async_sessionmaker(engine), unreachable, list(schedules().values()))
    await engine.dispose()
    assert "Schedule identity.purge-lapsed-sessions could not run" in caplog.text


def test_the_built_in_schedules_are_registered(settings: Settings) -> None:
    registered = schedules()
    assert set(registered) >= {"identity.purge-lapsed-sessions", "outbox.purge-sent"}
    assert {s.every(settings) for s in registered.values()} == {settings.purge_every_seconds}
