"""The container pieces, tested without a Docker engine: the Dockerfile is linted, compose is
validated against the compose-spec schema, and the entrypoint runs for real, three at once."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject
from .conftest import variant
from .harness import TOOLS_BIN, bake, clean_environment, run, wait_for_url
from .postgres import PostgresServer, free_port

REPLICAS = 3


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("container"), use_docker="y")


def test_dockerfile_passes_hadolint(baked: Path) -> None:
    result = run([str(TOOLS_BIN / "hadolint"), "--no-color", "Dockerfile"], cwd=baked)
    assert result.stdout.strip() == ""


def test_dockerfile_runs_unprivileged_with_signals_reaching_gunicorn(baked: Path) -> None:
    text = (baked / "Dockerfile").read_text().replace("\\\n", " ")  # join continued lines
    lines = [line.strip() for line in text.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert sum(line.startswith("FROM ") for line in instructions) == 2  # builder + final
    final_stage = instructions[max(i for i, x in enumerate(instructions) if x.startswith("FROM")) :]
    user = next(line for line in final_stage if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert any(line.startswith("HEALTHCHECK ") and "/health" in line for line in instructions)
    assert "STOPSIGNAL SIGTERM" in instructions
    assert next(x for x in instructions if x.startswith("ENTRYPOINT")).startswith('ENTRYPOINT ["')
    assert next(x for x in instructions if x.startswith("CMD")).startswith('CMD ["gunicorn"')
    assert (baked / "docker" / "entrypoint.sh").read_text().rstrip().endswith('exec "$@"')


def test_the_image_installs_the_locked_versions(baked: Path) -> None:
    text = (baked / "Dockerfile").read_text()
    copied = {
        word for line in text.splitlines() if line.startswith("COPY ") for word in line.split()
    }
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert "constraints.txt" in copied
    assert installs
    assert all("-c constraints.txt" in line for line in installs)


def test_dockerignore_keeps_secrets_and_clutter_out(baked: Path) -> None:
    ignored = set((baked / ".dockerignore").read_text().splitlines())
    assert {".env", ".venv", ".git", "**/__pycache__", ".pytest_cache"} <= ignored


def test_compose_file_matches_the_compose_spec(baked: Path) -> None:
    run(
        [
            str(TOOLS_BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            "compose.yaml",
        ],
        cwd=baked,
    )
    compose = (baked / "compose.yaml").read_text()
    assert "service_healthy" in compose
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in compose  # required, never a value
    # Development mail goes to the mail catcher, never out.
    assert "image: axllent/mailpit:" in compose
    assert "SMTP_HOST: mail" in compose


def _image_command(project: Path) -> list[str]:
    """The Dockerfile's CMD, which the entrypoint runs."""
    [command] = [
        line
        for line in (project / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD ")
    ]
    return list(json.loads(command.removeprefix("CMD ")))


@pytest.mark.slow
@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_replicas_starting_together_migrate_once_and_all_serve(
    project: InstalledProject, postgres: PostgresServer
) -> None:
    database_url = postgres.create_database("replicas")
    ports = [free_port() for _ in range(REPLICAS)]
    logs = [project.path / f"replica-{port}.log" for port in ports]
    replicas = []
    for port, log_path in zip(ports, logs, strict=True):
        env = clean_environment(
            PATH=f"{project.bin}:{clean_environment()['PATH']}",
            DATABASE_URL=database_url,
            ENVIRONMENT="production",
            SECRET_KEY=TEST_SECRET_KEY,
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="1",
        )
        with log_path.open("w") as log:
            replicas.append(
                subprocess.Popen(
                    ["docker/entrypoint.sh", *_image_command(project.path)],
                    cwd=project.path,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
    try:
        for port, replica, log_path in zip(ports, replicas, logs, strict=True):
            ready = wait_for_url(f"http://127.0.0.1:{port}/health/ready", replica, log_path, 90)
            assert ready.json()["database"] == "ok"
        registered = httpx.post(
            f"http://127.0.0.1:{ports[0]}/api/v1/auth/register",
            json={"email": "replica@example.com", "password": "replicated password"},
        )
        assert registered.status_code == 201
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        exit_codes = [replica.wait(timeout=60) for replica in replicas]
    assert exit_codes == [0] * REPLICAS
    migrations_run = sum(log.read_text().count("Running upgrade  -> 0001") for log in logs)
    assert migrations_run == 1, "\n".join(log.read_text() for log in logs)
    version = postgres.psql(
        "SELECT version_num FROM alembic_version", database_url.rsplit("/", 1)[1]
    )
    [head] = project.run("alembic", "heads").stdout.split()[:1]
    assert version == head
