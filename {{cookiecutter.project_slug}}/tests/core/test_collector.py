"""A served worker leaves what its start-up built out of every later garbage collection."""

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.collector import freeze_startup_objects
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.infra.context import context_of
from {{ cookiecutter.package_name }}.main import create_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The suite's own objects are collected again after the test."""
    yield
    gc.unfreeze()


def collected(thing: object) -> bool:
    """Whether the collector still walks `thing`."""
    return any(each is thing for each in gc.get_objects())


@pytest.mark.usefixtures("unfrozen")
def test_what_exists_when_frozen_is_never_walked_again_and_what_comes_later_is() -> None:
    built_at_start_up = ["a schema", "a route"]
    assert collected(built_at_start_up)
    before = gc.get_freeze_count()
    assert freeze_startup_objects() > before
    assert not collected(built_at_start_up)
    built_while_serving = ["a request"]
    assert collected(built_while_serving)


@pytest.mark.usefixtures("unfrozen", "session")
def test_the_app_runs_its_start_up_hook_once_everything_is_open(settings: Settings) -> None:
    app = create_app(settings, on_started=freeze_startup_objects)
    with TestClient(app) as client:
        assert not collected(context_of(app))  # the context existed when it froze
        assert client.get("/health").status_code == 200


_SERVED = """
import gc
from fastapi.testclient import TestClient
from {{ cookiecutter.package_name }}.main import create_served_app

app = create_served_app()
before = gc.get_freeze_count()  # the interpreter's own, a few hundred
with TestClient(app):
    print(gc.get_freeze_count() - before)
"""


def test_the_served_app_freezes_what_its_start_up_built(tmp_path: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/served.db"}
    result = subprocess.run(
        [sys.executable, "-c", _SERVED], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000, "start-up builds far more objects than that"
