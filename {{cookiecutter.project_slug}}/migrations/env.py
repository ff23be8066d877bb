"""Alembic environment: the URL comes from the application's settings."""

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, create_engine, pool
from sqlalchemy.types import TypeDecorator

from {{ cookiecutter.package_name }}.core.config import ConfigurationError, get_settings
from {{ cookiecutter.package_name }}.domains import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata()


def _database_url() -> str:
    # Tests pass a URL in the config; everything else uses the application's settings.
    if url := config.attributes.get("database_url"):
        return str(url)
    try:
        return get_settings().database_url
    except ConfigurationError as error:
        raise SystemExit(f"error: {error}") from None  # one line, exit status 1


def _render_item(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Write our column types as the plain SQLAlchemy types they store as."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # `{{ cookiecutter.project_slug }} migrate` passes the connection that holds its lock.
    shared: Connection | None = config.attributes.get("connection")
    if shared is not None:
        _run_on(shared)
        return
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run_on(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
