"""The README's first command: bake with defaults and serve on embedded SQLite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .harness import TEMPLATE_ROOT, clean_environment, wait_for_url
from .postgres import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("quickstart")]
QUICKSTART = str(TEMPLATE_ROOT / "scripts" / "quickstart.sh")
EDITED_ROUTE = (
    '\n\n@router.get("/edited")\nasync def edited() -> dict[str, str]:\n'
    '    return {"edited": "yes"}\n'
)


@dataclass(frozen=True)
class FirstRun:
    out: Path
    port: int
    output: str


@contextmanager
def quickstart(out: Path, log_path: Path) -> Iterator[int]:
    """Run scripts/quickstart.sh into `out` until its docs answer; yields its port."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["bash", QUICKSTART, str(out)],
            env=clean_environment(BIND=f"127.0.0.1:{port}"),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        docs = wait_for_url(f"http://127.0.0.1:{port}/docs", process, log_path, timeout=600)
        assert "swagger" in docs.text.lower()
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    scratch = tmp_path_factory.mktemp("quickstart")
    log_path = scratch / "quickstart.log"
    with quickstart(scratch / "out", log_path) as port:
        registered = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"email": "new@example.com", "password": "a fine password"},
        )
        assert registered.status_code == 201
    return FirstRun(scratch / "out", port, log_path.read_text())


def test_quickstart_bakes_and_serves_the_docs(first_run: FirstRun) -> None:
    assert (first_run.out / "todo-api" / "app.db").is_file()
    # It does the bake's next steps itself, so it shows none of them: what it prints first
    # is where the API is (gunicorn's own log follows).
    first_line = first_run.output.splitlines()[0]
    assert first_line.startswith("Serving "), first_run.output
    assert f"http://127.0.0.1:{first_run.port}/docs" in first_line
    for step in ("Next steps", "-m venv", "pip install", "alembic upgrade", "gunicorn -c"):
        assert step not in first_run.output


def test_rerunning_keeps_and_serves_an_edited_bake(first_run: FirstRun, tmp_path: Path) -> None:
    log_path = tmp_path / "again.log"
    with quickstart(first_run.out, log_path):
        pass
    assert log_path.read_text().startswith("Serving "), "an untouched bake is served quietly"

    router = first_run.out / "todo-api" / "src" / "todo_api" / "health" / "router.py"
    edited = router.read_text() + EDITED_ROUTE
    router.write_text(edited)
    with quickstart(first_run.out, log_path) as port:
        answer = httpx.get(f"http://127.0.0.1:{port}/health/edited")
        assert answer.json() == {"edited": "yes"}
    assert router.read_text() == edited
    kept, serving = log_path.read_text().splitlines()[:2]
    assert kept.startswith(f"Kept {first_run.out / 'todo-api'} as it is"), kept
    assert "move it away" in kept
    assert serving.startswith("Serving ")
    assert [p.name for p in first_run.out.iterdir()] == ["todo-api"]  # no scratch bake left


def test_a_taken_port_stops_the_quickstart_in_one_line(first_run: FirstRun) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["bash", QUICKSTART, str(first_run.out)],
            env=clean_environment(BIND=f"127.0.0.1:{port}"),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert f"port {port} on 127.0.0.1 is in use" in line
    assert "BIND=" in line
