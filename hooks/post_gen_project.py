"""Remove files for options not chosen, write a local .env, note the Python that suits the
project (.python-path, for `make install`), and print the next steps."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

# Each answer is rendered once; everything below is plain Python.
PROJECT_SLUG: str = {{ cookiecutter.project_slug | string | tojson }}
PACKAGE_NAME: str = {{ cookiecutter.package_name | string | tojson }}
PYTHON_VERSION: str = {{ cookiecutter.python_version | string | tojson }}
ANSWERS: dict[str, str] = {
    "use_docker": {{ cookiecutter.use_docker | string | tojson }},
    "ci": {{ cookiecutter.ci | string | tojson }},
    "observability": {{ cookiecutter.observability | string | tojson }},
    "admin": {{ cookiecutter.admin | string | tojson }},
    "background_jobs": {{ cookiecutter.background_jobs | string | tojson }},
    "kubernetes": {{ cookiecutter.kubernetes | string | tojson }},
}
METRICS_FILES = (f"src/{PACKAGE_NAME}/infra/metrics.py", "tests/core/test_metrics.py")
TRACING_FILES = (f"src/{PACKAGE_NAME}/infra/tracing.py", "tests/core/test_tracing.py")

# (option, answer) -> paths that exist only when that answer was chosen (a path several answers
# share is listed in each of their rows). Add a row for each answer with files of its own.
OPTIONAL_PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("use_docker", "y"): ("Dockerfile", ".dockerignore", "compose.yaml", "docker"),
    ("ci", "github"): (".github",),
    ("ci", "gitlab"): (".gitlab-ci.yml",),
    ("observability", "prometheus"): METRICS_FILES,
    ("observability", "otel"): (*METRICS_FILES, *TRACING_FILES),
    # docs/ holds only the admin's screenshot, which the README shows.
    ("admin", "y"): (f"src/{PACKAGE_NAME}/admin", "tests/admin", "docs"),
    ("kubernetes", "y"): ("deploy",),
    # Each variant's services are modules of their own, kept or removed here.
    ("background_jobs", "none"): (
        f"src/{PACKAGE_NAME}/runtime_local.py",
        f"src/{PACKAGE_NAME}/infra/throttle_memory.py",
    ),
    ("background_jobs", "celery"): (
        f"src/{PACKAGE_NAME}/runtime_celery.py",
        f"src/{PACKAGE_NAME}/worker.py",
        f"src/{PACKAGE_NAME}/infra/celery_app.py",
        f"src/{PACKAGE_NAME}/infra/redis.py",
        f"src/{PACKAGE_NAME}/infra/throttle_redis.py",
        f"src/{PACKAGE_NAME}/infra/rate_counter_redis.py",
        "tests/jobs/test_celery.py",
        "tests/schedules/test_beat.py",
        "tests/redis_server.py",
    ),
}
# Paths that need several answers at once: kept only when every one of them was chosen.
COMBINED_PATHS: dict[tuple[tuple[str, str], ...], tuple[str, ...]] = {
    (("kubernetes", "y"), ("background_jobs", "celery")): (
        "deploy/k8s/worker-deployment.yaml",
        "deploy/k8s/worker-networkpolicy.yaml",
        "deploy/k8s/beat-deployment.yaml",
        "deploy/k8s/beat-networkpolicy.yaml",
    ),
}

MINIMUM_PYTHON = tuple(int(part) for part in PYTHON_VERSION.split("."))
# How many minor versions from PYTHON_VERSION on the next steps look for.
NEWER_MINORS = 10

ENV_FILE = Path(".env")
# The full path of the interpreter found below, read by the Makefile as its default PYTHON.
# Git-ignored: it is this machine's. `cruft update` re-runs this hook, and on one machine
# every render writes the same line, so the update's diff never shows it.
PYTHON_PATH_FILE = Path(".python-path")
ENV_HEADER = """\
# Local development settings, written when the project was generated.
# Local-only: never commit this file (it is listed in .gitignore) and never copy it to a
# server; production reads real secrets from its own environment.
"""


def remove_unchosen(project_dir: Path) -> None:
    """Delete the files and folders of answers not chosen, unless a row whose answers were all
    chosen lists them too."""
    needs = [((row,), paths) for row, paths in OPTIONAL_PATHS.items()]
    needs += COMBINED_PATHS.items()
    kept = {
        name
        for rows, paths in needs
        if all(ANSWERS[option] == answer for option, answer in rows)
        for name in paths
    }
    for name in {name for _, paths in needs for name in paths} - kept:
        path = project_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def write_env(path: Path) -> bool:
    """Create .env with a fresh secret, owner-only; keep an .env that already exists."""
    content = (
        f"{ENV_HEADER}ENVIRONMENT=development\nSECRET_KEY={secrets.token_urlsafe(64)}\n"
    )
    try:
        # Created 0o600 from the start, so the secret is never readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as env_file:
        env_file.write(content)
    path.chmod(0o600)  # the umask can only narrow the mode; make it exact
    return True


def python_candidates() -> Iterator[str]:
    """Interpreters that may suit the project, oldest first: python3.X on PATH, python3,
    then pyenv's builds (whose shims on PATH fail for versions not selected)."""
    major, minor = MINIMUM_PYTHON
    newer = [f"{major}.{later}" for later in range(minor, minor + NEWER_MINORS)]
    yield from (f"python{version}" for version in newer)
    yield "python3"
    pyenv_versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for version in newer:
        yield from sorted(str(p) for p in pyenv_versions.glob(f"{version}.*/bin/python3"))


class FoundPython(NamedTuple):
    command: str  # as the next steps show it: a name on PATH, or a full path
    executable: str  # its full path (sys.executable), which no pyenv shim stands between


def usable_executable(python: str) -> str | None:
    """The full path of `python` if it runs, is at least PYTHON_VERSION and can make a venv
    with pip; else None."""
    probe = (
        "import ensurepip, sys, venv; "
        f"sys.version_info >= {MINIMUM_PYTHON!r} or sys.exit(1); print(sys.executable)"
    )
    try:
        result = subprocess.run(
            [python, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    executable = result.stdout.strip()
    return executable if result.returncode == 0 and executable else None


def find_python() -> FoundPython | None:
    """The first interpreter of python_candidates() that suits the project."""
    for python in python_candidates():
        executable = usable_executable(python)
        if executable is not None:
            return FoundPython(python, executable)
    return None


def venv_command(found: FoundPython | None) -> str | None:
    """The command that creates .venv on this machine, or None when no Python suits."""
    if found is not None:
        return f"{shlex.quote(found.command)} -m venv .venv"
    if shutil.which("uv"):
        # uv finds or downloads the Python; --seed puts pip in the venv for the next step.
        return f"uv venv --seed --python {PYTHON_VERSION} .venv"
    return None


def next_steps(venv: str | None) -> str:
    """Return the commands that take the new project from here to a running API."""
    if venv is None:
        header = (
            f"Created {PROJECT_SLUG}.\n"
            f"Python {PYTHON_VERSION} or newer is needed and none was found: install one "
            f"(python.org, your system's packages, `uv python install {PYTHON_VERSION}` or "
            f"`pyenv install {PYTHON_VERSION}`).\nNext steps, with it:"
        )
        venv = f"python{PYTHON_VERSION} -m venv .venv"
    else:
        header = f"Created {PROJECT_SLUG}. Next steps:"
    commands = [
        f"cd {PROJECT_SLUG}",
        f"{venv} && source .venv/bin/activate",
        'pip install -c constraints.txt -e ".[dev]"',
        "alembic upgrade head",
        "pytest",
        "gunicorn -c gunicorn_conf.py",
    ]
    steps = "".join(f"    {command}\n" for command in commands)
    return f"\n{header}\n\n{steps}\nThen open http://127.0.0.1:8000/docs\n"


if __name__ == "__main__":
    remove_unchosen(Path.cwd())
    if not write_env(ENV_FILE):
        print(f"Kept the existing {ENV_FILE}; no new SECRET_KEY was generated.")
    found = find_python()
    if found is not None:
        PYTHON_PATH_FILE.write_text(f"{found.executable}\n", encoding="utf-8")
    print(next_steps(venv_command(found)))
