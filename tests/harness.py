"""Helpers for the template tests: bake, the variants baked, pick a Python, run commands, wait
for servers."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from cookiecutter.utils import create_env_with_context

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
TOOLS_BIN = Path(sys.executable).parent
TEMPLATE_CONTEXT: dict[str, Any] = json.loads(
    (TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8")
)
# Each choice option's values, the default first.
CHOICES: dict[str, list[str]] = {
    name: values for name, values in TEMPLATE_CONTEXT.items() if isinstance(values, list)
}


@dataclass(frozen=True)
class Bake:
    """One run of the cookiecutter CLI: its process result, output folder and scratch folder
    (user config, replays, and the rendered hooks cookiecutter leaves in TMPDIR)."""

    result: subprocess.CompletedProcess[str]
    output_dir: Path
    scratch_dir: Path

    @property
    def project_dir(self) -> Path:
        assert self.result.returncode == 0, self.result.stdout + self.result.stderr
        [project_dir] = list(self.output_dir.iterdir())
        return project_dir

    def hook_error_lines(self) -> list[str]:
        # cookiecutter logs its own "ERROR: Stopping generation ..." (to stdout in 2.7).
        lines = self.result.stderr.splitlines()
        return [ln for ln in lines if ln.startswith("ERROR:") and "Stopping generation" not in ln]


def user_config(scratch_dir: Path) -> Path:
    """A cookiecutter user config that keeps template clones and replays in `scratch_dir`, so
    a bake neither reads nor writes the user's own."""
    config = scratch_dir / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(scratch_dir / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(scratch_dir / 'replay'))}\n",
        encoding="utf-8",
    )
    return config


def run_bake(output_dir: Path, *options: str, **answers: str) -> Bake:
    """Run the cookiecutter CLI on the template with `options` and `key=value` answers, into
    `output_dir` (created first, as a user's current folder exists), isolated from the user's
    config, replays and /tmp."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bake-") as scratch:
        scratch_dir = Path(scratch)
        config = user_config(scratch_dir)
        result = subprocess.run(
            [
                str(TOOLS_BIN / "cookiecutter"),
                *options,
                "--config-file",
                str(config),
                "-o",
                str(output_dir),
                str(TEMPLATE_ROOT),
                *(f"{key}={value}" for key, value in answers.items()),
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": scratch},
            timeout=60,
            check=False,
        )
    return Bake(result, output_dir, scratch_dir)


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake offline with the defaults plus `answers`; returns the project folder."""
    return run_bake(output_dir, "--no-input", **answers).project_dir


def answers_for(**overrides: str) -> dict[str, Any]:
    """Every answer a `--no-input` bake with `overrides` records, rendered by cookiecutter."""
    context = generate_context(str(TEMPLATE_ROOT / "cookiecutter.json"), extra_context=overrides)
    return dict(prompt_for_config(context, no_input=True))


def load_hook(name: str, **answers: str) -> dict[str, Any]:
    """The globals of hooks/<name>.py rendered for the defaults plus `answers`, as a module
    (its `__main__` block does not run)."""
    context = {"cookiecutter": answers_for(**answers)}
    source = (TEMPLATE_ROOT / "hooks" / f"{name}.py").read_text(encoding="utf-8")
    rendered = create_env_with_context(context).from_string(source).render(**context)
    namespace: dict[str, Any] = {"__name__": f"rendered_{name}"}
    exec(compile(rendered, f"hooks/{name}.py (rendered)", "exec"), namespace)
    return namespace


@dataclass(frozen=True)
class Variant:
    """A combination of answers that tests/test_bake.py bakes and lints; `installed` ones are
    also installed and run end to end (the `project` fixture in conftest.py)."""

    id: str
    answers: Mapping[str, str] = field(default_factory=dict)
    installed: bool = False


# As cookiecutter-django does: the defaults, each other value of each choice on its own, every
# optional part off (py311-...) and every optional part on (py313-...).
VARIANTS = [
    Variant("defaults", installed=True),
    *(
        Variant(f"{name}={value}", {name: value})
        for name, values in CHOICES.items()
        for value in values[1:]
    ),
    Variant(
        "py311-no-docker-no-ci",
        {
            "python_version": "3.11",
            "use_docker": "n",
            "ci": "none",
            "open_source_license": "Apache-2.0",
            "observability": "none",
            "admin": "n",
            "background_jobs": "none",
            "kubernetes": "n",
        },
        installed=True,
    ),
    Variant(
        "py313-renamed",
        {
            "python_version": "3.13",
            "project_name": "Task Tracker",
            "open_source_license": "Proprietary",
            "observability": "otel",
            "admin": "y",
            "background_jobs": "celery",
            "kubernetes": "y",
        },
        installed=True,
    ),
]


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
