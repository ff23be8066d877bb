"""A baked project installed in its own venv, and a way to serve it with gunicorn."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .harness import (
    CHOICES,
    TOOLS_BIN,
    RunningServer,
    bake,
    clean_environment,
    python_for,
    run,
    running_server,
)
from .postgres import free_port
from .redis_server import forget_rate_limit_counts

TEST_SECRET_KEY = "template-tests-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "a long and secret password"


def register_and_login(client: httpx.Client, email: str) -> dict[str, str]:
    """Register `email` on a served bake and log in: the bearer header for its requests."""
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    form = {"grant_type": "password", "username": email, "password": PASSWORD}
    token = client.post("/api/v1/auth/token", data=form)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@dataclass(frozen=True)
class InstalledProject:
    path: Path
    package: str
    # The Redis its served apps use (REDIS_URL), for a bake with background_jobs=celery.
    redis_url: str | None = None

    @property
    def bin(self) -> Path:
        return self.path / ".venv" / "bin"

    def run(
        self, *command: str, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        executable = str(self.bin / command[0])
        return run(
            [executable, *command[1:]], cwd=self.path, env=clean_environment(**env), timeout=timeout
        )

    @classmethod
    def create(cls, output_dir: Path, answers: Mapping[str, str]) -> InstalledProject:
        """Bake the defaults plus `answers`; install it with the oldest Python it allows, at
        the versions its constraints.txt pins (with uv: the same resolution as pip's, faster).
        Bytecode is compiled at install, as pip does: uv leaves it to the first import, and where
        PYTHONDONTWRITEBYTECODE is set every process (each app import, Alembic run, gunicorn
        worker) would compile the dependencies again, about 5 s each."""
        path = bake(output_dir, **answers)
        package = next(p.name for p in (path / "src").iterdir() if (p / "main.py").exists())
        python = python_for(answers.get("python_version", CHOICES["python_version"][0]))
        uv = str(TOOLS_BIN / "uv")
        run([uv, "venv", "--quiet", "--python", python, ".venv"], cwd=path)
        project = cls(path=path, package=package)
        install = ["pip", "install", "--quiet", "--compile-bytecode", "-p", ".venv/bin/python"]
        run([uv, *install, "-c", "constraints.txt", "-e", ".[dev]"], cwd=path, timeout=900)
        return project

    @contextmanager
    def gunicorn(self, **env: str) -> Iterator[RunningServer]:
        """gunicorn with the project's own gunicorn_conf.py (two workers unless told)."""
        port = free_port()
        redis = {"REDIS_URL": self.redis_url} if self.redis_url else {}
        if self.redis_url:
            # Each server starts with no rate-limit counts, as a bake that counts in memory
            # does: the tests that share this Redis do not spend each other's budgets.
            forget_rate_limit_counts(self.redis_url)
        environment = clean_environment(
            **{"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", **redis, **env}
        )
        command = [str(self.bin / "gunicorn"), "-c", "gunicorn_conf.py"]
        with running_server(
            command,
            cwd=self.path,
            env=environment,
            port=port,
            log_path=self.path / f"gunicorn-{port}.log",
        ) as server:
            yield server

    @contextmanager
    def gunicorn_with_superuser(
        self, database_url: str, email: str, password: str
    ) -> Iterator[RunningServer]:
        """gunicorn on `database_url`, migrated to head, with a superuser made by the
        project's own CLI."""
        self.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
        self.run(
            self.path.name,  # the console script is named after the project
            "create-superuser",
            "--email",
            email,
            DATABASE_URL=database_url,
            SUPERUSER_PASSWORD=password,
        )
        with self.gunicorn(DATABASE_URL=database_url) as server:
            yield server

    @contextmanager
    def serve(self, **env: str) -> Iterator[httpx.Client]:
        """Serve with gunicorn; yields a client for it."""
        with (
            self.gunicorn(**env) as server,
            httpx.Client(base_url=server.base_url, timeout=30) as client,
        ):
            yield client
