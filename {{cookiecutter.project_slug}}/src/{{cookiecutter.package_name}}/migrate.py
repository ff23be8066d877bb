"""Wait for the database, then migrate it to head exactly once, however many replicas start."""

import logging
import time

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, func, pool, select, text
from sqlalchemy.exc import OperationalError

from .core.config import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

# Any constant shared by every replica of this service; PostgreSQL advisory locks are keyed
# by one bigint per database.
MIGRATION_LOCK_ID = 7_461_100_118


class DatabaseNotReadyError(RuntimeError):
    """The database did not answer within the configured retries."""


def wait_for_database(engine: Engine, *, retries: int, interval: float) -> None:
    for attempt in range(1, retries + 1):
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            if attempt == retries:
                raise DatabaseNotReadyError(
                    f"the database did not answer after {retries} attempts: {reason}"
                ) from None
            logger.warning("Database not ready (attempt %d of %d): %s", attempt, retries, reason)
            time.sleep(interval)


def _upgrade(connection: Connection) -> None:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def migrate(settings: Settings) -> None:
    """`alembic upgrade head`, serialised across processes by a PostgreSQL advisory lock.

    The first replica to take the lock migrates; the others wait for it, then find the
    database already at head and do nothing.
    """
    engine = create_engine(settings.database_url, poolclass=pool.NullPool)
    try:
        wait_for_database(
            engine, retries=settings.db_connect_retries, interval=settings.db_connect_interval
        )
        with engine.connect() as connection:
            if connection.dialect.name != "postgresql":
                _upgrade(connection)
                return
            connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_ID)))
            connection.commit()  # the lock belongs to the session, not the transaction
            try:
                _upgrade(connection)
                connection.commit()  # visible to the next replica before it gets the lock
            finally:
                connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_ID)))
                connection.commit()
    finally:
        engine.dispose()
