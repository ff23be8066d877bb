"""Database engine, declarative base and the per-request session."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from .config import Settings

# Stable constraint names, so Alembic migrations name (and can drop) the same constraints.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that reads back as UTC on every backend (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets gunicorn's workers read while one writes; wait for locks instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_db_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False},
            pool_pre_ping=True,
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    _ping_connections_idle_for(engine, settings.db_ping_after_idle)
    return engine


_LAST_USED = "last_used"


def _ping_connections_idle_for(engine: Engine, seconds: float) -> None:
    """Check a pooled connection with a round trip before use only when it sat idle for longer
    than `seconds` (as HikariCP does). `pool_pre_ping` checks every time, which adds a round
    trip to every request, although a connection returned moments ago is alive. A failed
    ping invalidates the whole pool (the database restarted), exactly as pre-ping does."""

    def remember_use(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def forget_use(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info.pop(_LAST_USED, None)  # a new connection needs no ping

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError(str(error)) from error

    event.listen(engine, "connect", forget_use)
    event.listen(engine, "checkin", remember_use)
    event.listen(engine, "checkout", ping_if_idle)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, from the engine the application opened at start-up."""
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class PendingChangesError(RuntimeError):
    """A read transaction was to be ended while the session held unsaved changes."""


def end_read_transaction(session: Session) -> None:
    """Free the pooled connection before slow work (password hashing) by ending the read
    transaction; loaded objects stay usable because sessions do not expire them on commit.

    Refuses when anything is pending: a request saves its changes in one commit at its end,
    after every check has passed, never as a side effect of freeing a connection.
    """
    if session.new or session.dirty or session.deleted:
        raise PendingChangesError("end_read_transaction() would commit pending changes")
    session.commit()
