"""Helpers for the template tests: bake, pick a Python, run commands, wait for servers."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
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
