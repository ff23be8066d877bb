"""Fixtures shared by the template tests: PostgreSQL, and the installed baked variants."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pytest

from .baked_project import InstalledProject
from .harness import VARIANTS
from .postgres import ADMIN_URL_ENV, PostgresCluster, PostgresServer
from .redis_server import redis_server

# The browser fixtures (browser, page, traffic) for the tests that drive Chromium.
pytest_plugins = ["tests.browser"]

# Installed and exercised end to end; each variant's tests share one worker (xdist_group) so
# it is installed once.
INSTALLED = {each.id: each for each in VARIANTS if each.installed}


def variant(name: str) -> object:
    """A `project` parameter for one variant, kept on that variant's xdist worker."""
    return pytest.param(name, marks=pytest.mark.xdist_group(name))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The PostgreSQL server that baked projects' databases are created on."""
    admin_url = os.environ.get(ADMIN_URL_ENV)
    if admin_url:
        server = PostgresServer(admin_url)
        yield server
        server.drop_created_databases()
        return
    cluster = PostgresCluster.create()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session", params=[variant(name) for name in INSTALLED])
def project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InstalledProject]:
    """A baked variant installed in its own venv (parametrise indirectly to pick variants);
    with background_jobs=celery, with a Redis of its own that the servers it starts use."""
    answers = INSTALLED[request.param].answers
    project = InstalledProject.create(tmp_path_factory.mktemp(request.param), answers)
    if answers.get("background_jobs") != "celery":
        yield project
        return
    with redis_server(tmp_path_factory.mktemp("redis") / "redis.log") as redis_url:
        yield dataclasses.replace(project, redis_url=redis_url)


@pytest.fixture
def migrated_database(project: InstalledProject, postgres: PostgresServer) -> str:
    """A fresh PostgreSQL database at the project's migration head."""
    url = postgres.create_database("app")
    project.run("alembic", "upgrade", "head", DATABASE_URL=url)
    return url
