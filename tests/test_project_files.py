"""The files every bake carries for its developers, used for real on installed bakes: the
pre-commit hooks (offline), the Makefile's targets, and constraints.txt, the lock that every
install follows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .baked_project import InstalledProject
from .conftest import variant
from .harness import CHOICES, TOOLS_BIN, bake, clean_environment, run
from .postgres import PostgresServer

pytestmark = pytest.mark.slow

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port
OFFLINE = {"HTTPS_PROXY": UNREACHABLE, "HTTP_PROXY": UNREACHABLE, "ALL_PROXY": UNREACHABLE}
# Each target, with the variables it needs.
MAKE_TARGETS: dict[str, tuple[str, ...]] = {
    "help": (),
    "install": (),
    "run": (),
    "test": (),
    "lint": (),
    "format": (),
    "migrate": (),
    "revision": ("MESSAGE=add due dates",),
    "superuser": ("EMAIL=admin@example.com",),
    "resource": ("NAME=note", "FIELDS=body:text pinned:bool score:float?"),
    "lock": (),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", re.MULTILINE)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _git_copy(project: InstalledProject, destination: Path) -> Path:
    """The bake's files in a new git repository, sharing the installed bake's venv."""
    shutil.copytree(
        project.path,
        destination,
        ignore=shutil.ignore_patterns(".venv", "*.db*", "*.log", ".*_cache", "__pycache__"),
    )
    (destination / ".venv").symlink_to(project.path / ".venv")
    run(["git", "init", "--quiet"], cwd=destination)
    run(["git", "add", "--all"], cwd=destination)
    return destination


def _pre_commit(copy: Path, pre_commit_home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/pre-commit", "run", "--all-files"],
        cwd=copy,
        env=clean_environment(PRE_COMMIT_HOME=str(pre_commit_home), **OFFLINE),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_pre_commit_hooks_pass_offline_and_catch_a_lint_error(
    project: InstalledProject, tmp_path: Path
) -> None:
    copy = _git_copy(project, tmp_path / project.path.name)
    clean = _pre_commit(copy, tmp_path / "pre-commit-home")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.findall(r"^(ruff check|ruff format|mypy)\.+Passed$", clean.stdout, re.M) == [
        "ruff check",
        "ruff format",
        "mypy",
    ]

    (copy / "src" / project.package / "careless.py").write_text("import os\n")
    run(["git", "add", "--all"], cwd=copy)
    careless = _pre_commit(copy, tmp_path / "pre-commit-home")
    assert careless.returncode != 0
    assert "F401" in careless.stdout  # `os` imported but unused


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_lists_every_target_by_default(project: InstalledProject) -> None:
    listed = re.findall(r"^  make (\w+) ", run(["make"], cwd=project.path).stdout, re.M)
    assert sorted(listed) == sorted(MAKE_TARGETS)


@pytest.mark.parametrize(("target", "arguments"), MAKE_TARGETS.items())
@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_each_make_target_exists(
    project: InstalledProject, target: str, arguments: tuple[str, ...]
) -> None:
    run(["make", "--dry-run", target, *arguments], cwd=project.path)


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_resource_calls_the_generator_once_per_field(project: InstalledProject) -> None:
    arguments = MAKE_TARGETS["resource"]
    command = run(["make", "--dry-run", "resource", *arguments], cwd=project.path).stdout
    assert command.split() == [
        f".venv/bin/{project.path.name}",
        "new-resource",
        '"note"',
        "--field",
        "'body:text'",
        "--field",
        "'pinned:bool'",
        "--field",
        "'score:float?'",
    ]


@pytest.mark.parametrize("target", ["resource", "revision", "superuser"])
@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_target_without_its_variable_says_which_in_one_line(
    project: InstalledProject, target: str
) -> None:
    result = subprocess.run(
        ["make", target], cwd=project.path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert f"usage: make {target} " in line


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_lint_and_make_migrate_run_for_real(
    project: InstalledProject, postgres: PostgresServer
) -> None:
    run(["make", "lint"], cwd=project.path)
    url = postgres.create_database("make")
    run(["make", "migrate"], cwd=project.path, env=clean_environment(DATABASE_URL=url))
    assert "(head)" in project.run("alembic", "current", DATABASE_URL=url).stdout


def test_every_installed_distribution_is_pinned_at_its_version(
    project: InstalledProject,
) -> None:
    """The lock is complete and consistent: `pip install -c constraints.txt -e ".[dev]"`
    installed nothing it does not pin, and each at the pinned version."""
    listing = (
        "import importlib.metadata as m, json; "
        "print(json.dumps([(d.name, d.version) for d in m.distributions()]))"
    )
    installed = {
        _normalized(name): version
        for name, version in json.loads(project.run("python", "-c", listing).stdout)
    }
    del installed[_normalized(project.path.name)]
    pins = (project.path / "constraints.txt").read_text()
    pinned = {_normalized(name): version for name, version in PIN.findall(pins)}
    assert {name: pinned.get(name) for name in installed} == installed


@pytest.mark.parametrize("project", [variant("py311-no-docker-no-ci")], indirect=True)
def test_make_lock_reproduces_the_lock(project: InstalledProject) -> None:
    """constraints.txt is what `make lock` resolves from pyproject.toml with the project's own
    uv (it keeps pins that still fit), byte for byte, so no dependency was added or changed
    without the lock."""
    lock = project.path / "constraints.txt"
    committed = lock.read_bytes()
    try:
        run(["make", "lock"], cwd=project.path)
        assert lock.read_bytes() == committed
    finally:
        lock.write_bytes(committed)


@pytest.mark.parametrize("background_jobs", CHOICES["background_jobs"])
@pytest.mark.parametrize("python_version", CHOICES["python_version"])
def test_make_lock_on_a_fresh_bake_leaves_its_lock_byte_identical(
    tmp_path: Path, python_version: str, background_jobs: str
) -> None:
    """Every Python choice renders its own lock: `make lock` resolves for the bake's
    python_version, whose markers differ from an older one's. With the template tools' uv,
    as scripts/lock.sh runs it, so no install is needed."""
    project = bake(tmp_path, python_version=python_version, background_jobs=background_jobs)
    lock = project / "constraints.txt"
    committed = lock.read_bytes()
    run(["make", "lock", f"BIN={TOOLS_BIN}"], cwd=project)
    assert lock.read_bytes() == committed
