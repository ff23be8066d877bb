from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.db import (
    PendingChangesError,
    _ping_connections_idle_for,
    end_read_transaction,
)

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


def test_ending_a_read_transaction_refuses_to_commit_pending_changes(
    session: Session, users: UserFactory
) -> None:
    user = users.create(email="pending@example.com")
    user.full_name = "Not saved by a side effect"
    with pytest.raises(PendingChangesError):
        end_read_transaction(session)
    session.rollback()
    session.refresh(user)
    assert user.full_name is None


def test_ending_a_read_transaction_keeps_loaded_objects_usable(
    session: Session, users: UserFactory
) -> None:
    user = users.create(email="loaded@example.com")
    end_read_transaction(session)
    assert user.email == "loaded@example.com"
