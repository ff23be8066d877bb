"""Helpers for the template tests: bake, pick a Python, run commands, wait for servers."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cookiecutter.main import cookiecutter

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
TOOLS_BIN = Path(sys.executable).parent


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake the template offline with the defaults plus `answers`; returns the project folder."""
    project = cookiecutter(
        str(TEMPLATE_ROOT), no_input=True, extra_context=answers, output_dir=str(output_dir)
    )
    return Path(project)


def python_for(version: str) -> str:
    """The interpreter of the given minor version: pyenv's, else one on PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python3"))
    found = candidates[-1] if candidates else shutil.which(f"python{version}")
    if not found:
        pytest.fail(f"Python {version} is needed to install a bake that asks for it")
    return found


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment a baked project runs with: none of our settings leak into it."""
    leaked = {
        "DATABASE_URL",
        "TEST_DATABASE_URL",
        "SECRET_KEY",
        "ENVIRONMENT",
        "VIRTUAL_ENV",
        "PYTHONPATH",
        "WEB_CONCURRENCY",
        "BIND",
        "PORT",
        "HOST",
    }
    env = {key: value for key, value in os.environ.items() if key not in leaked}
    env.update(extra)
    return env


def run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure show its output in the test report."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env or clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n{result.stdout[-6000:]}\n"
        f"{result.stderr[-6000:]}"
    )
    return result


def wait_for_url(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> httpx.Response:
    """Poll `url` until it answers 2xx; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, timeout=2).raise_for_status()
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s:\n{log.read_text()}")


@dataclass(frozen=True)
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    port: int,
    log_path: Path,
    ready_path: str = "/health",
    stop_timeout: float = 40,
) -> Iterator[RunningServer]:
    """Start a server, wait until `ready_path` answers, and stop it with SIGTERM afterwards;
    it must then exit 0 (a graceful shutdown)."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = RunningServer(process=process, port=port, log_path=log_path)
    try:
        wait_for_url(f"{server.base_url}{ready_path}", process, log_path)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
    assert process.returncode == 0, server.log()[-4000:]
