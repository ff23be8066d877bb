"""Test fixtures: a fresh schema per test run, emptied tables per test, and an HTTP client.

The suite runs on a throwaway SQLite file by default and on PostgreSQL when
TEST_DATABASE_URL is set (for example postgresql://user:password@localhost/test_db).
"""

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
{%- if cookiecutter.background_jobs == "celery" %}
from redis import Redis
{%- endif %}
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core import security
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import configure_sqlite, create_db_engine
from {{ cookiecutter.package_name }}.domains import metadata
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users.models import BUILT_IN_ROLES, Role
{%- if cookiecutter.background_jobs == "celery" %}
from {{ cookiecutter.package_name }}.worker import celery_app, close_worker_process, use_settings
{%- endif %}

from .factories import TodoFactory, UserFactory
{%- if cookiecutter.background_jobs == "celery" %}
from .redis_server import redis_server
{%- endif %}
from .smtp_server import Inbox, smtp_server

PROJECT_ROOT = Path(__file__).resolve().parents[1]

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """Argon2 at its lowest cost in the tests (as Django's docs advise for test settings):
    at the production cost, ~0.2 s a hash and as much a check, hashing would be most of the
    suite's time. What is tested (which scheme, when a hash is renewed) is the same."""
    # The one context the app hashes with, made cheaper in place.
    security._password_context.update(
        argon2__memory_cost=1024, argon2__time_cost=1, argon2__parallelism=1
    )


@pytest.fixture(autouse=True)
def _no_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings in the developer's shell (DATABASE_URL, ...) must not change test results."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


{%- if cookiecutter.background_jobs == "celery" %}


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """TEST_REDIS_URL, or a throwaway `redis-server` of this test run."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    with redis_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _jobs_run_eagerly(settings: Settings, redis_url: str) -> Iterator[None]:
    """Tasks run in the caller (Celery's eager mode) on the test settings, so a test sees
    their effects as soon as its request returns; tests/jobs/test_celery.py runs them on a
    real worker instead. Each test then forgets the login failures and mails it counted."""
    use_settings(settings)
    celery_app.conf.task_always_eager = True
    yield
    close_worker_process()
    with Redis.from_url(redis_url) as redis:
        for pattern in ("login-failures:*", "mails-per-*", "rate-limit:*"):
            for key in redis.scan_iter(pattern):
                redis.delete(key)
{%- endif %}


@pytest.fixture(scope="session")
def settings(database_url: str{% if cookiecutter.background_jobs == "celery" %}, redis_url: str{% endif %}) -> Settings:
    return Settings(
        _env_file=None,  # the developer's .env must not leak into the tests
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        # Off, so that tests may make as many requests as they need; tests/core/
        # test_rate_limits.py turns them on.
        rate_limit_api=None,
        rate_limit_auth=None,
{%- if cookiecutter.background_jobs == "celery" %}
        redis_url=redis_url,
{%- endif %}
    )


@pytest.fixture(scope="session")
def alembic_config(settings: Settings) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session")
def engine(settings: Settings, alembic_config: Config) -> Iterator[Engine]:
    """The test database, built by the real migrations (and torn down by them). The tests
    arrange and inspect it through a plain synchronous engine; the app has its own."""
    engine = create_engine(settings.database_url)
    if settings.is_sqlite:
        configure_sqlite(engine)
    metadata().drop_all(engine)  # leftovers of an interrupted run
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    command.upgrade(alembic_config, "head")
    yield engine
    command.downgrade(alembic_config, "base")
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; every table is emptied after the test, but for the
    built-in roles, which the migrations made."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
    with engine.begin() as connection:
        for table in reversed(metadata().sorted_tables):
            if table.name == Role.__tablename__:
                connection.execute(delete(table).where(table.c.name.not_in(BUILT_IN_ROLES)))
            else:
                connection.execute(delete(table))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def async_session(settings: Settings, engine: Engine) -> AsyncIterator[AsyncSession]:
    """A session of the kind requests get, on the app's own (asyncio) engine."""
    async_engine = create_db_engine(settings)
    async with AsyncSession(async_engine, expire_on_commit=False) as session:
        yield session
    await async_engine.dispose()


@pytest.fixture
async def session_factory(
    settings: Settings, session: Session
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of the kind the app's services open, on an engine of their own."""
    engine = create_db_engine(settings)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
def client(settings: Settings, session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_with(settings: Settings, session: Session) -> Iterator[ClientFactory]:
    """Clients of apps whose settings differ: `client_with(email_verification_required=True)`."""
    with ExitStack() as clients:

        def make(**changes: Any) -> TestClient:
            app_settings = settings.model_copy(update=changes)
{%- if cookiecutter.background_jobs == "celery" %}
            # A worker reads the same environment as the web app it serves.
            use_settings(app_settings)
{%- endif %}
            return clients.enter_context(TestClient(create_app(app_settings)))

        yield make


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server for this test, and what it received."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def mail_client(client_with: ClientFactory, inbox: Inbox) -> TestClient:
    """A client of an app that sends its mail to `inbox`."""
    return client_with(**inbox.settings)


@pytest.fixture
def users(session: Session) -> UserFactory:
    return UserFactory(session)


@pytest.fixture
def todos(session: Session) -> TodoFactory:
    return TodoFactory(session)


@pytest.fixture
def auth_headers(client: TestClient, users: UserFactory) -> dict[str, str]:
    return users.login_headers(client, users.create())
