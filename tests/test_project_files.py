"""The files every bake carries for its developers, used for real on installed bakes: the
pre-commit hooks (offline), the Makefile's targets, and constraints.txt, the lock that every
install follows."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .baked_project import InstalledProject
from .conftest import variant
from .harness import CHOICES, TOOLS_BIN, bake, clean_environment, python_for, run, wait_for_url
from .postgres import PostgresServer, free_port

pytestmark = pytest.mark.slow

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port
OFFLINE = {"HTTPS_PROXY": UNREACHABLE, "HTTP_PROXY": UNREACHABLE, "ALL_PROXY": UNREACHABLE}
# Each target, with the variables it needs.
MAKE_TARGETS: dict[str, tuple[str, ...]] = {
    "help": (),
    "install": (),
    "run": (),
    "dev": (),
    "test": (),
    "lint": (),
    "format": (),
    "migrate": (),
    "revision": ("MESSAGE=add due dates",),
    "superuser": ("EMAIL=admin@example.com",),
    "resource": ("NAME=note", "FIELDS=body:text pinned:bool score:float?"),
    "remove-resource": ("NAME=note",),
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
    listed = re.findall(r"^  make ([\w-]+) ", run(["make"], cwd=project.path).stdout, re.M)
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


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_remove_resource_calls_the_generator_with_remove(project: InstalledProject) -> None:
    command = run(["make", "--dry-run", "remove-resource", "NAME=note"], cwd=project.path).stdout
    assert command.split() == [
        f".venv/bin/{project.path.name}",
        "new-resource",
        "--remove",
        '"note"',
    ]


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_help_lists_every_target(project: InstalledProject) -> None:
    listed = run(["make", "help"], cwd=project.path).stdout
    assert [line.split()[1] for line in listed.splitlines()] == list(MAKE_TARGETS)


@pytest.mark.parametrize("target", ["resource", "remove-resource", "revision", "superuser"])
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


@contextmanager
def _serving(command: list[str], cwd: Path, log_path: Path, **env: str) -> Iterator[str]:
    """Run a server command (make and what it starts: one process group) until /health
    answers; yields its base URL, then stops the whole group."""
    port = env["PORT"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=clean_environment(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_url(f"{base_url}/health", process, log_path)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=40)


def test_the_bake_notes_the_python_that_make_install_uses(tmp_path: Path) -> None:
    """The post-generation hook writes the full path of a suitable Python to .python-path
    (git-ignored), the same on every render here, as `cruft update` re-renders; the
    Makefile creates .venv with it."""
    project = bake(tmp_path / "first")
    python = (project / ".python-path").read_text().strip()
    assert Path(python).is_absolute()
    version = run([python, "-c", "import sys; print(*sys.version_info[:2])"], cwd=tmp_path)
    minimum = [int(part) for part in CHOICES["python_version"][0].split(".")]
    assert [int(part) for part in version.stdout.split()] >= minimum
    assert (bake(tmp_path / "again") / ".python-path").read_text() == f"{python}\n"
    assert ".python-path" in (project / ".gitignore").read_text().splitlines()
    assert f"{python} -m venv .venv" in run(["make", "-n", "install"], cwd=project).stdout


def test_make_install_with_a_too_old_python_stops_in_one_line_and_makes_nothing(
    tmp_path: Path,
) -> None:
    project = bake(tmp_path, python_version="3.13")
    old = python_for("3.11")
    result = subprocess.run(
        ["make", "install", f"PYTHON={old}"],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert f"{old} does not run as Python 3.13 or newer" in line
    assert "PYTHON=" in line
    assert not (project / ".venv").exists()


def test_make_install_removes_the_venv_it_failed_to_make(tmp_path: Path) -> None:
    """A venv left half-made (here: a python and no pip) would be reused by every retry."""
    project = bake(tmp_path)
    failing = tmp_path / "python"
    failing.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"-m venv"*)\n'
        "    mkdir -p .venv/bin; cp /bin/true .venv/bin/python; exit 1;;\n"
        "esac\n"
        f'exec {python_for(CHOICES["python_version"][0])} "$@"\n'
    )
    failing.chmod(0o755)
    result = subprocess.run(
        ["make", "install", f"PYTHON={failing}"],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert not (project / ".venv").exists()


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_run_listens_on_this_machine_only_and_the_container_command_on_all(
    project: InstalledProject,
) -> None:
    port = str(free_port())
    log = project.path / "make-run.log"
    with _serving(["make", "run"], project.path, log, PORT=port, WEB_CONCURRENCY="1"):
        assert f"Listening at: http://127.0.0.1:{port}" in log.read_text()
    # The image runs gunicorn -c gunicorn_conf.py itself: every interface, as a container needs.
    port = str(free_port())
    log = project.path / "gunicorn-all.log"
    command = [str(project.bin / "gunicorn"), "-c", "gunicorn_conf.py"]
    with _serving(command, project.path, log, PORT=port, WEB_CONCURRENCY="1"):
        assert f"Listening at: http://0.0.0.0:{port}" in log.read_text()


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_make_dev_serves_a_changed_route_without_a_restart(project: InstalledProject) -> None:
    router = project.path / "src" / project.package / "health" / "router.py"
    source = router.read_text()
    port = str(free_port())
    try:
        with _serving(["make", "dev"], project.path, project.path / "dev.log", PORT=port) as url:
            assert httpx.get(f"{url}/health/edited").status_code == 404
            router.write_text(
                source + '\n\n@router.get("/edited")\nasync def edited() -> dict[str, str]:\n'
                '    return {"edited": "yes"}\n'
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    answer = httpx.get(f"{url}/health/edited", timeout=2)
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    break
                time.sleep(0.3)
            assert answer is not None
            assert answer.json() == {"edited": "yes"}
    finally:
        router.write_text(source)


@pytest.mark.parametrize("background_jobs", CHOICES["background_jobs"])
def test_readme_quick_start_says_what_to_start_first(tmp_path: Path, background_jobs: str) -> None:
    project = bake(tmp_path, background_jobs=background_jobs)
    readme = (project / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    assert "make dev" in quick_start
    assert "$(pyenv prefix" in quick_start
    if background_jobs == "celery":
        assert quick_start.index("redis-server") < quick_start.index("make run")
        assert "make worker" in quick_start
    else:
        assert "redis" not in quick_start.lower()
