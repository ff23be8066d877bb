from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from {{ cookiecutter.package_name }}.domains import metadata


def test_migrations_match_the_models(engine: Engine) -> None:
    """The `engine` fixture built the schema with `alembic upgrade head`."""
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata())
    assert differences == []


def test_accounts_made_before_verification_existed_count_as_verified(
    engine: Engine, alembic_config: Config
) -> None:
    """Turning EMAIL_VERIFICATION_REQUIRED on must not lock out existing accounts."""
    command.downgrade(alembic_config, "0002")
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, hashed_password, is_active, is_superuser, "
                    "created_at, updated_at) VALUES ('old@example.com', 'x', true, false, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        command.upgrade(alembic_config, "head")
    with engine.begin() as connection:
        verified = connection.scalar(
            text("SELECT is_verified FROM users WHERE email = 'old@example.com'")
        )
        connection.execute(text("DELETE FROM users"))
    assert verified
