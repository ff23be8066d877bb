import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.migrate import DatabaseNotReadyError, migrate, wait_for_database


def _table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_builds_a_fresh_database(settings: Settings, tmp_path: Path) -> None:
    fresh = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    migrate(fresh)
    assert {"users", "todos", "alembic_version"} <= _table_names(fresh.database_url)


def test_migrate_at_head_changes_nothing(settings: Settings, engine: Engine) -> None:
    """On PostgreSQL this also takes and releases the advisory lock."""
    migrate(settings)
    assert {"users", "todos"} <= set(inspect(engine).get_table_names())


def test_waiting_gives_up_after_the_configured_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = create_engine("sqlite:////nonexistent/dir/app.db")
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(DatabaseNotReadyError, match="after 3 attempts"),
    ):
        wait_for_database(unreachable, retries=3, interval=0)
    unreachable.dispose()
    assert len([r for r in caplog.records if "not ready" in r.getMessage()]) == 2


def test_migrate_command(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    try:
        cli.main(["migrate"])
        monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/dir/app.db")
        monkeypatch.setenv("DB_CONNECT_RETRIES", "1")
        get_settings.cache_clear()
        with pytest.raises(SystemExit, match="did not answer"):
            cli.main(["migrate"])
    finally:
        get_settings.cache_clear()
    assert "todos" in _table_names(f"sqlite:///{tmp_path / 'cli.db'}")
