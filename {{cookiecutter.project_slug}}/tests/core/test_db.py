import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import (
    PendingChangesError,
    _ping_connections_idle_for,
    create_db_engine,
    end_read_transaction,
)
from {{ cookiecutter.package_name }}.users.models import User

from ..factories import UserFactory


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Engine, list[object]]]:
    """An engine whose pings are recorded (SQLite stands in for PostgreSQL's pool here)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    pinged: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pinged.append)
    yield engine, pinged
    engine.dispose()


def test_a_connection_used_moments_ago_is_not_pinged(
    pings: tuple[Engine, list[object]],
) -> None:
    engine, pinged = pings
    _ping_connections_idle_for(engine, 60)
    for _ in range(3):
        engine.raw_connection().close()
    assert pinged == []


def test_a_connection_idle_for_longer_is_pinged_before_use(
    pings: tuple[Engine, list[object]],
) -> None:
    engine, pinged = pings
    _ping_connections_idle_for(engine, 0)
    engine.raw_connection().close()  # a new connection needs no ping
    engine.raw_connection().close()
    assert len(pinged) == 1


def test_a_failed_ping_replaces_the_connection(
    monkeypatch: pytest.MonkeyPatch, pings: tuple[Engine, list[object]]
) -> None:
    engine, _ = pings
    _ping_connections_idle_for(engine, 0)
    first = engine.raw_connection()
    dead = first.dbapi_connection
    first.close()

    def ping_a_dead_server(_connection: object) -> bool:
        raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    monkeypatch.setattr(engine.dialect, "do_ping", ping_a_dead_server)
    second = engine.raw_connection()
    assert second.dbapi_connection is not dead
    second.close()


@pytest.mark.anyio
async def test_ending_a_read_transaction_refuses_to_commit_pending_changes(
    async_session: AsyncSession, users: UserFactory
) -> None:
    user = await async_session.get(User, users.create(email="pending@example.com").id)
    assert user is not None
    user.full_name = "Not saved by a side effect"
    with pytest.raises(PendingChangesError):
        await end_read_transaction(async_session)
    await async_session.rollback()
    await async_session.refresh(user)
    assert user.full_name is None


@pytest.mark.anyio
async def test_ending_a_read_transaction_keeps_loaded_objects_usable(
    async_session: AsyncSession, users: UserFactory
) -> None:
    user = await async_session.get(User, users.create(email="loaded@example.com").id)
    await end_read_transaction(async_session)
    assert user is not None
    assert user.email == "loaded@example.com"


@pytest.mark.anyio
async def test_a_waiting_request_gets_a_freed_connection_before_a_newcomer(
    settings: Settings,
) -> None:
    """The pool is first come, first served: a connection given back goes to the request that
    waited for it, even when another asks for one in the same instant."""
    engine = create_db_engine(settings.model_copy(update={"db_pool_size": 1}))
    served: list[str] = []

    async def use_a_connection(name: str) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            served.append(name)

    try:
        holder = await engine.connect()
        waiter = asyncio.create_task(use_a_connection("waiter"))
        await asyncio.sleep(0.1)  # the waiter is now queued for the only connection
        await holder.close()
        await use_a_connection("newcomer")  # asks in the same step, before the waiter runs
        await waiter
    finally:
        await engine.dispose()
    assert served == ["waiter", "newcomer"]


@pytest.mark.anyio
async def test_waiting_for_a_connection_is_bounded(settings: Settings) -> None:
    engine = create_db_engine(
        settings.model_copy(update={"db_pool_size": 1, "db_pool_timeout": 0.1})
    )
    try:
        async with engine.connect():
            with pytest.raises(PoolTimeoutError):
                await engine.connect()
    finally:
        await engine.dispose()
