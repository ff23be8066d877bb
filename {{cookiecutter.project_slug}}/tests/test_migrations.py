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


def test_superusers_become_admins_and_everyone_else_members(
    engine: Engine, alembic_config: Config
) -> None:
    """0007 maps is_superuser to the built-in roles, and its downgrade maps them back."""
    command.downgrade(alembic_config, "0006")
    try:
        with engine.begin() as connection:
            for email, superuser in (("root@example.com", True), ("ada@example.com", False)):
                connection.execute(
                    text(
                        "INSERT INTO users (email, hashed_password, is_active, is_superuser, "
                        "is_verified, created_at, updated_at) VALUES (:email, 'x', true, "
                        ":superuser, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"email": email, "superuser": superuser},
                )
    finally:
        command.upgrade(alembic_config, "head")
    holders = text(
        "SELECT users.email, roles.name FROM users JOIN user_roles ON user_roles.user_id = "
        "users.id JOIN roles ON roles.id = user_roles.role_id ORDER BY users.email"
    )
    with engine.begin() as connection:
        mapped = connection.execute(holders).all()
    command.downgrade(alembic_config, "0006")
    try:
        with engine.begin() as connection:
            superusers = connection.execute(
                text("SELECT email, is_superuser FROM users ORDER BY email")
            ).all()
            connection.execute(text("DELETE FROM users"))
    finally:
        command.upgrade(alembic_config, "head")
    assert [tuple(row) for row in mapped] == [
        ("ada@example.com", "member"),
        ("root@example.com", "admin"),
    ]
    assert [(email, bool(flag)) for email, flag in superusers] == [
        ("ada@example.com", False),
        ("root@example.com", True),
    ]
