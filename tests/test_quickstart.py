"""The README's first command: bake with defaults and serve on embedded SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from .harness import TEMPLATE_ROOT, clean_environment, wait_for_url
from .postgres import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("quickstart")]


def test_quickstart_bakes_and_serves_the_docs(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "quickstart.log"
    with log_path.open("w") as log:
        quickstart = subprocess.Popen(
            ["bash", str(TEMPLATE_ROOT / "scripts" / "quickstart.sh"), str(tmp_path / "out")],
            env=clean_environment(BIND=f"127.0.0.1:{port}"),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        docs = wait_for_url(f"http://127.0.0.1:{port}/docs", quickstart, log_path, timeout=600)
        assert "swagger" in docs.text.lower()
        registered = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"email": "new@example.com", "password": "a fine password"},
        )
        assert registered.status_code == 201
    finally:
        os.killpg(quickstart.pid, signal.SIGTERM)
        quickstart.wait(timeout=30)
    assert (tmp_path / "out" / "todo-api" / "app.db").is_file()
    # It does the bake's next steps itself, so it shows none of them: what it prints first
    # is where the API is (gunicorn's own log follows).
    output = log_path.read_text()
    first_line = output.splitlines()[0]
    assert first_line.startswith("Serving "), output
    assert f"http://127.0.0.1:{port}/docs" in first_line
    for step in ("Next steps", "-m venv", "pip install", "alembic upgrade", "gunicorn -c"):
        assert step not in output
