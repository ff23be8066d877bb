"""Bake with the real cookiecutter CLI: what the hooks reject, remove and write."""

from __future__ import annotations

import itertools
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
COOKIECUTTER = Path(sys.executable).parent / "cookiecutter"
TEMPLATE_CONTEXT: dict[str, Any] = json.loads(
    (TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8")
)
CHOICES: dict[str, list[str]] = {k: v for k, v in TEMPLATE_CONTEXT.items() if isinstance(v, list)}
DOCKER_PATHS = ["Dockerfile", ".dockerignore", "compose.yaml"]
BAD_CHOICES = [
    ("python_version", "3.9"),
    ("use_docker", "maybe"),
    ("ci", "jenkins"),
    ("open_source_license", "GPL"),
]


@dataclass(frozen=True)
class Bake:
    """One cookiecutter run: its process result, output folder and hook temp folder."""

    result: subprocess.CompletedProcess[str]
    output_dir: Path
    hook_tmp_dir: Path

    @property
    def project_dir(self) -> Path:
        assert self.result.returncode == 0, self.result.stdout + self.result.stderr
        [project_dir] = list(self.output_dir.iterdir())
        return project_dir

    def hook_error_lines(self) -> list[str]:
        # cookiecutter logs its own "ERROR: Stopping generation ..." (to stdout in 2.7).
        lines = self.result.stderr.splitlines()
        return [ln for ln in lines if ln.startswith("ERROR:") and "Stopping generation" not in ln]


Baker = Callable[..., Bake]


def make_baker(root: Path) -> Baker:
    """Return bake(*args, **answers), isolated from user config, replays and /tmp."""
    counter = itertools.count()

    def bake(*args: str, output_dir: Path | None = None, **answers: str) -> Bake:
        run_dir = root / f"run{next(counter)}"
        hook_tmp_dir = run_dir / "tmp"  # cookiecutter leaves rendered hooks here
        hook_tmp_dir.mkdir(parents=True)
        config = run_dir / "config.yaml"
        config.write_text(
            f"cookiecutters_dir: {json.dumps(str(run_dir / 'cookiecutters'))}\n"
            f"replay_dir: {json.dumps(str(run_dir / 'replay'))}\n",
            encoding="utf-8",
        )
        output_dir = output_dir or root / f"out{next(counter)}"
        result = subprocess.run(
            [
                str(COOKIECUTTER),
                *args,
                "--config-file",
                str(config),
                "-o",
                str(output_dir),
                str(TEMPLATE_DIR),
                *(f"{key}={value}" for key, value in answers.items()),
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(hook_tmp_dir)},
            timeout=60,
            check=False,
        )
        return Bake(result, output_dir, hook_tmp_dir)

    return bake


@pytest.fixture
def bake(tmp_path: Path) -> Baker:
    return make_baker(tmp_path)


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_baker(tmp_path_factory.mktemp("default"))("--no-input").project_dir


def read_env(project_dir: Path) -> dict[str, str]:
    lines = (project_dir / ".env").read_text(encoding="utf-8").splitlines()
    pairs = (ln.split("=", 1) for ln in lines if ln and not ln.startswith("#"))
    return {key: value for key, value in pairs}


def replay_answers(**overrides: str) -> dict[str, Any]:
    """The answers a default bake would record, with some replaced."""
    answers = {k: v for k, v in TEMPLATE_CONTEXT.items() if k not in CHOICES}
    answers |= {field: choices[0] for field, choices in CHOICES.items()}
    answers |= {"project_slug": "todo-api", "package_name": "todo_api"}
    return answers | overrides


def assert_hook_rejected(baked: Bake, field: str) -> None:
    assert baked.result.returncode != 0
    [error] = baked.hook_error_lines()
    assert error.startswith(f"ERROR: {field} "), error
    # A crash inside the hook would show a traceback through its rendered temp file.
    assert f'File "{baked.hook_tmp_dir}' not in baked.result.stderr
    assert not baked.output_dir.exists() or not any(baked.output_dir.iterdir())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project_slug", "My Project"),
        ("project_slug", "-x"),
        ("package_name", "fastapi"),
        ("package_name", "sqlalchemy"),
        ("package_name", "test"),
        ("package_name", "Todo"),
        ("package_name", "1abc"),
        ("package_name", "class"),
        ("package_name", "my-pkg"),
        ("author_email", "not-an-email"),
        ("author_email", 'o"brien@example.com'),
        ("version", "1.0.0.bad"),
        ("version", "banana"),
    ],
)
def test_invalid_answer_is_rejected_with_one_error_line(
    bake: Baker, field: str, value: str
) -> None:
    assert_hook_rejected(bake("--no-input", **{field: value}), field)


@pytest.mark.parametrize(("field", "value"), BAD_CHOICES)
def test_invalid_choice_on_the_command_line_is_rejected_before_baking(
    bake: Baker, field: str, value: str
) -> None:
    # cookiecutter checks `key=value` against the choice list itself (an uncaught
    # ValueError naming the field), before any folder or hook exists.
    baked = bake("--no-input", **{field: value})
    assert baked.result.returncode != 0
    assert f"provided for choice variable {field}" in baked.result.stderr
    assert not baked.output_dir.exists() or not any(baked.output_dir.iterdir())


@pytest.mark.parametrize(("field", "value"), BAD_CHOICES)
def test_invalid_choice_in_a_replay_file_is_rejected_by_the_hook(
    bake: Baker, tmp_path: Path, field: str, value: str
) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": replay_answers(**{field: value})}))
    assert_hook_rejected(bake("--replay-file", str(replay)), field)


@pytest.mark.parametrize(
    ("answers", "slug", "package"),
    [
        ({"package_name": "app"}, "todo-api", "app"),
        ({"version": "1.0.0rc1"}, "todo-api", "todo_api"),
        ({"project_name": "My Cool Service"}, "my-cool-service", "my_cool_service"),
    ],
)
def test_valid_edge_answers_bake(
    bake: Baker, answers: dict[str, str], slug: str, package: str
) -> None:
    baked = bake("--no-input", **answers)
    assert baked.project_dir.name == slug
    assert (baked.project_dir / "src" / package).is_dir()
    assert f"gunicorn -c gunicorn_conf.py {package}.main:app" in baked.result.stdout


@pytest.mark.parametrize(
    ("field", "choice"),
    [(field, choice) for field, choices in CHOICES.items() for choice in choices[1:]],
)
def test_every_other_choice_in_cookiecutter_json_is_accepted(
    bake: Baker, field: str, choice: str
) -> None:
    assert bake("--no-input", **{field: choice}).project_dir.is_dir()


def test_env_has_a_long_secret_key_readable_by_the_owner_only(
    default_project: Path,
) -> None:
    env = read_env(default_project)
    assert env["ENVIRONMENT"] == "development"
    assert len(env["SECRET_KEY"]) >= 64
    assert stat.S_IMODE((default_project / ".env").stat().st_mode) == 0o600
    assert "never commit" in (default_project / ".env").read_text().lower()


def test_env_is_git_ignored(default_project: Path) -> None:
    lines = (default_project / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in [line.strip() for line in lines]


def test_each_bake_gets_its_own_secret_key(bake: Baker, default_project: Path) -> None:
    other = bake("--no-input").project_dir
    assert read_env(other)["SECRET_KEY"] != read_env(default_project)["SECRET_KEY"]


def test_rebaking_over_a_project_keeps_its_env(bake: Baker, tmp_path: Path) -> None:
    output_dir = tmp_path / "same"
    first = read_env(bake("--no-input", output_dir=output_dir).project_dir)
    again = bake("--no-input", "--overwrite-if-exists", output_dir=output_dir)
    assert read_env(again.project_dir) == first


def test_default_bake_keeps_docker_and_ci_files(default_project: Path) -> None:
    for name in [*DOCKER_PATHS, ".github"]:
        assert (default_project / name).exists(), name


def test_no_docker_removes_docker_files(bake: Baker) -> None:
    project_dir = bake("--no-input", use_docker="n").project_dir
    for name in [*DOCKER_PATHS, "docker"]:
        assert not (project_dir / name).exists(), name
    assert (project_dir / ".github").is_dir()


def test_no_ci_removes_github_folder(bake: Baker) -> None:
    project_dir = bake("--no-input", ci="none").project_dir
    assert not (project_dir / ".github").exists()
    assert (project_dir / "Dockerfile").exists()
