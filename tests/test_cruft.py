"""Template updates with cruft: a project made by `cruft create` from one commit of the
template takes the next commit with `cruft update`, cleanly and without touching its .env."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from binaryornot.check import is_binary

from .harness import TEMPLATE_ROOT, TOOLS_BIN, clean_environment, run, user_config

pytestmark = pytest.mark.xdist_group("cruft")

# What cookiecutter reads of the template; the rest of this repository is its tooling.
TEMPLATE_PARTS = ("cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}")
README_LINE = "A line the template's next commit adds."
NEW_FILE = "UPGRADING.md"
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


@dataclass(frozen=True)
class Updated:
    """A project created at template commit A and updated to commit B."""

    project: Path
    env: dict[str, str]
    commit_a: str
    commit_b: str
    env_before: bytes
    check_before: subprocess.CompletedProcess[str]
    state_before: dict[str, object]


def _environment(scratch: Path) -> dict[str, str]:
    """Commands isolated from the user's git and cookiecutter configuration."""
    (scratch / "tmp").mkdir()
    return clean_environment(
        COOKIECUTTER_CONFIG=str(user_config(scratch)),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Template Tests",
        GIT_AUTHOR_EMAIL="tests@example.com",
        GIT_COMMITTER_NAME="Template Tests",
        GIT_COMMITTER_EMAIL="tests@example.com",
        TMPDIR=str(scratch / "tmp"),
    )


def _commit_all(repo: Path, message: str, env: dict[str, str]) -> str:
    run(["git", "add", "--all"], cwd=repo, env=env)
    run(["git", "commit", "--quiet", "-m", message], cwd=repo, env=env)
    return run(["git", "rev-parse", "HEAD"], cwd=repo, env=env).stdout.strip()


def _cruft_state(project: Path) -> dict[str, object]:
    state: dict[str, object] = json.loads((project / ".cruft.json").read_text())
    return state


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Updated:
    scratch = tmp_path_factory.mktemp("cruft")
    env = _environment(scratch)
    cruft = str(TOOLS_BIN / "cruft")

    template = scratch / "template"
    template.mkdir()
    for part in TEMPLATE_PARTS:
        source = TEMPLATE_ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, template / part, ignore=ignore)
        else:
            shutil.copy2(source, template / part)
    run(["git", "init", "--quiet", "-b", "main"], cwd=template, env=env)
    commit_a = _commit_all(template, "A", env)

    run(
        [cruft, "create", "--no-input", "--output-dir", "projects", str(template)],
        cwd=scratch,
        env=env,
    )
    project = scratch / "projects" / "todo-api"
    run(["git", "init", "--quiet", "-b", "main"], cwd=project, env=env)
    _commit_all(project, "Project from the template", env)
    state_before = _cruft_state(project)
    env_before = (project / ".env").read_bytes()

    baked = template / "{{cookiecutter.project_slug}}"
    with (baked / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(f"\n{README_LINE}\n")
    (baked / NEW_FILE).write_text("# Upgrading {{ cookiecutter.project_name }}\n")
    commit_b = _commit_all(template, "B", env)

    check_before = subprocess.run(
        [cruft, "check"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    run([cruft, "update", "-y"], cwd=project, env=env)
    return Updated(project, env, commit_a, commit_b, env_before, check_before, state_before)


def test_cruft_create_bakes_the_template_and_records_its_commit(updated: Updated) -> None:
    assert (updated.project / "src" / "todo_api" / "main.py").is_file()
    assert updated.state_before["commit"] == updated.commit_a


def test_cruft_check_reports_a_newer_template(updated: Updated) -> None:
    assert updated.check_before.returncode == 1, updated.check_before.stdout


def test_update_leaves_no_rejected_hunk_or_conflict(updated: Updated) -> None:
    files = [path for path in updated.project.rglob("*") if ".git" not in path.parts]
    assert [path.name for path in files if path.suffix == ".rej"] == []
    conflicted = [
        str(path.relative_to(updated.project))
        for path in files
        if path.is_file()
        and not is_binary(str(path))  # images: git leaves no markers in them
        and any(line.startswith(CONFLICT_MARKERS) for line in path.read_text().splitlines())
    ]
    assert conflicted == []


def test_update_applies_the_template_change(updated: Updated) -> None:
    assert README_LINE in (updated.project / "README.md").read_text()
    assert (updated.project / NEW_FILE).read_text() == "# Upgrading Todo API\n"


def test_update_keeps_the_env_and_its_secret_key(updated: Updated) -> None:
    assert b"\nSECRET_KEY=" in updated.env_before
    assert (updated.project / ".env").read_bytes() == updated.env_before


def test_update_points_the_project_at_the_new_commit(updated: Updated) -> None:
    assert _cruft_state(updated.project)["commit"] == updated.commit_b
    run([str(TOOLS_BIN / "cruft"), "check"], cwd=updated.project, env=updated.env)
