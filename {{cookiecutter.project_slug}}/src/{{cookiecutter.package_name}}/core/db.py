"""Database engine, declarative base and the per-request session."""

import asyncio
import socket
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, MetaData, Numeric, event
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlalchemy.util import await_

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


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-point number: NUMERIC(precision, scale) on PostgreSQL. SQLite has no decimal
    type (SQLAlchemy warns that it converts through float): there it is stored as a float and
    read back rounded to `scale`, which is exact while precision stays within a double's 15
    significant digits."""

    impl = Numeric
    cache_ok = True
    MAX_PRECISION = 15

    def __init__(self, precision: int, scale: int) -> None:
        if not 0 <= scale <= precision <= self.MAX_PRECISION:
            raise ValueError(f"need 0 <= scale <= precision <= {self.MAX_PRECISION}")
        super().__init__(precision=precision, scale=scale)
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(asdecimal=False))
        return dialect.type_descriptor(self.impl_instance)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum)


# asyncpg raises these bare, not wrapped in SQLAlchemy's OperationalError, when it cannot
# reach the server (refused, unknown host, connect time-out).
DRIVER_CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)
# Any failure of the database or of reaching it: worth trying again later, unlike a bug.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, *DRIVER_CONNECTION_ERRORS)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets gunicorn's workers read while one writes; wait for locks instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL and a lock timeout on every new SQLite connection of `engine`."""
    event.listen(engine, "connect", _sqlite_pragmas)


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """A connection pool that serves waiting requests first come, first served.

    SQLAlchemy's asyncio pool puts a returned connection back in a queue, where a request
    arriving just then can take it before the longest waiter wakes, again and again: under
    load a few requests wait for seconds. Here every checkout first passes an asyncio
    semaphore, which is FIFO, with one permit per connection the pool may open.
    """

    def __init__(
        self, creator: Any, pool_size: int = 5, max_overflow: int = 10, **kwargs: Any
    ) -> None:
        super().__init__(creator, pool_size=pool_size, max_overflow=max_overflow, **kwargs)
        self._turns = asyncio.Semaphore(pool_size + max(max_overflow, 0))

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            await_(asyncio.wait_for(self._turns.acquire(), self._timeout))
        except TimeoutError:
            raise PoolTimeoutError(
                f"no connection came free within {self._timeout} s (pool of {self.size()})"
            ) from None
        try:
            return super()._do_get()
        except BaseException:
            self._turns.release()
            raise

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            self._turns.release()


def _asyncpg_connect_args(settings: Settings) -> dict[str, Any]:
    if settings.db_prepared_statements:
        return {}
    # PgBouncer in transaction mode hands each transaction a different server connection:
    # no statement may be prepared by name and reused (SQLAlchemy's asyncpg notes).
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4()}__",
    }


def create_db_engine(settings: Settings) -> AsyncEngine:
    """The asyncio engine requests use: asyncpg for PostgreSQL, aiosqlite for SQLite."""
    engine = create_async_engine(
        settings.async_database_url,
        poolclass=FairAsyncQueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={} if settings.is_sqlite else _asyncpg_connect_args(settings),
    )
    if settings.is_sqlite:
        configure_sqlite(engine.sync_engine)
    else:
        _ping_connections_idle_for(engine.sync_engine, settings.db_ping_after_idle)
    return engine


def read_sessions(
    engine: AsyncEngine, settings: Settings
) -> async_sessionmaker[AsyncSession] | None:
    """Sessions for requests that only read: on PostgreSQL without a transaction of their own,
    so a read pays no BEGIN and ROLLBACK round trips. Each statement then sees its own
    snapshot; what must agree (a page and its total) comes from one statement. None on
    SQLite, where a transaction costs no round trip."""
    if settings.is_sqlite:
        return None
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(autocommit, expire_on_commit=False)


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


class PendingChangesError(RuntimeError):
    """A read transaction was to be ended while the session held unsaved changes."""


async def end_read_transaction(session: AsyncSession) -> None:
    """Free the pooled connection before slow work (password hashing) by ending the read
    transaction; loaded objects stay usable because sessions do not expire them on commit.

    Refuses when anything is pending: a request saves its changes in one commit at its end,
    after every check has passed, never as a side effect of freeing a connection.
    """
    if session.new or session.dirty or session.deleted:
        raise PendingChangesError("end_read_transaction() would commit pending changes")
    await session.commit()
