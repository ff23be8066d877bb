from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from {{ cookiecutter.package_name }}.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    """The `engine` fixture built the schema with `alembic upgrade head`."""
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
