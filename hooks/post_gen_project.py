"""Remove files for options not chosen, write a local .env, and print the next steps."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

# Each answer is rendered once; everything below is plain Python.
PROJECT_SLUG: str = {{ cookiecutter.project_slug | string | tojson }}
PACKAGE_NAME: str = {{ cookiecutter.package_name | string | tojson }}
PYTHON_VERSION: str = {{ cookiecutter.python_version | string | tojson }}
USE_DOCKER: bool = {{ cookiecutter.use_docker == "y" }}
USE_GITHUB_CI: bool = {{ cookiecutter.ci == "github" }}

# Option -> (chosen?, paths that exist only for it). Add a row for each new option.
OPTIONAL_PATHS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "use_docker": (
        USE_DOCKER,
        ("Dockerfile", ".dockerignore", "compose.yaml", "docker"),
    ),
    "ci": (USE_GITHUB_CI, (".github",)),
}

ENV_FILE = Path(".env")
ENV_HEADER = """\
# Local development settings, written when the project was generated.
# Local-only: never commit this file (it is listed in .gitignore) and never copy it to a
# server; production reads real secrets from its own environment.
"""


def remove_unchosen(project_dir: Path) -> None:
    """Delete the files and folders that belong to options that were not chosen."""
    for chosen, paths in OPTIONAL_PATHS.values():
        if chosen:
            continue
        for name in paths:
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


def next_steps() -> str:
    """Return the commands that take the new project from here to a running API."""
    return f"""
Created {PROJECT_SLUG}. Next steps:

    cd {PROJECT_SLUG}
    python{PYTHON_VERSION} -m venv .venv && source .venv/bin/activate
    pip install -e ".[dev]"
    alembic upgrade head
    pytest
    gunicorn -c gunicorn_conf.py {PACKAGE_NAME}.main:app

Then open http://127.0.0.1:8000/docs
"""


if __name__ == "__main__":
    remove_unchosen(Path.cwd())
    if not write_env(ENV_FILE):
        print(f"Kept the existing {ENV_FILE}; no new SECRET_KEY was generated.")
    print(next_steps())
