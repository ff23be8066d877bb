"""Continuous integration: each `ci` answer's file is valid against its published schema and
runs the project's checks, and the template's own workflow runs this suite."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .harness import CHOICES, TEMPLATE_ROOT, TOOLS_BIN, bake, clean_environment, run
from .postgres import ADMIN_URL_ENV

TEST_COMMAND = "bash scripts/test.sh"
# What every CI runs, in this order (a line may set environment variables before it).
CHECKS = (
    'pip install -c constraints.txt -e ".[dev]"',
    "ruff check .",
    "ruff format --check .",
    "mypy",
    "lint-imports",
    "bandit -c pyproject.toml -r src",
    "pip-audit --strict --skip-editable",
    "alembic upgrade head",
    "pytest",
)
# With kubernetes=y: the manifests against Kubernetes' schemas.
MANIFESTS_CHECK = "kubernetes-validate --strict --quiet deploy/k8s/*.yaml"
PATH_WITH_TOOLS = f"{TOOLS_BIN}:{os.environ['PATH']}"


@dataclass(frozen=True)
class CiFile:
    path: str
    schema: str  # a schema check-jsonschema vendors, so validating needs no network

    def load(self, root: Path) -> dict[Any, Any]:
        document: dict[Any, Any] = yaml.safe_load((root / self.path).read_text())
        return document

    def shell_lines(self, root: Path) -> list[str]:
        """Every line of every step's or job's commands, in file order."""
        document = self.load(root)
        if "jobs" in document:  # GitHub Actions
            scripts = [
                step.get("run", "") for job in document["jobs"].values() for step in job["steps"]
            ]
        else:  # GitLab: a job is a top-level mapping with a script
            scripts = [
                "\n".join(job["script"])
                for job in document.values()
                if isinstance(job, dict) and "script" in job
            ]
        return [line.strip() for script in scripts for line in script.splitlines()]

    def validate(self, root: Path) -> None:
        run(
            [str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", self.schema, self.path],
            cwd=root,
        )


GITHUB_WORKFLOW = CiFile(".github/workflows/ci.yml", "vendor.github-workflows")
# `ci` answer -> the file it bakes (None: no CI).
CI_FILES: dict[str, CiFile | None] = {
    "github": GITHUB_WORKFLOW,
    "gitlab": CiFile(".gitlab-ci.yml", "vendor.gitlab-ci"),
    "none": None,
}


@dataclass(frozen=True)
class BakedCi:
    project: Path
    ci_file: CiFile
    use_docker: bool


@pytest.fixture(
    scope="module",
    params=[
        (ci, docker)
        for ci, docker in itertools.product(CHOICES["ci"], CHOICES["use_docker"])
        if CI_FILES[ci] is not None
    ],
    ids=lambda param: f"{param[0]}-use_docker={param[1]}",
)
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BakedCi:
    ci, use_docker = request.param
    ci_file = CI_FILES[ci]
    assert ci_file is not None
    project = bake(tmp_path_factory.mktemp("ci"), ci=ci, use_docker=use_docker)
    return BakedCi(project, ci_file, use_docker == "y")


def runs(lines: list[str], command: str) -> int | None:
    """The index of the first line that runs `command`, or None."""
    found = (i for i, line in enumerate(lines) if line == command or line.endswith(f" {command}"))
    return next(found, None)


def test_every_ci_answer_has_a_row_here() -> None:
    assert set(CI_FILES) == set(CHOICES["ci"])


def test_ci_file_matches_its_published_schema(baked: BakedCi) -> None:
    baked.ci_file.validate(baked.project)


def test_ci_runs_every_check_in_order(baked: BakedCi) -> None:
    lines = baked.ci_file.shell_lines(baked.project)
    positions = [runs(lines, check) for check in CHECKS]
    assert None not in positions, dict(zip(CHECKS, positions, strict=True))
    assert positions == sorted(positions)


def test_ci_lints_and_builds_the_image_only_with_docker(baked: BakedCi) -> None:
    lines = baked.ci_file.shell_lines(baked.project)
    docker_checks = ("hadolint Dockerfile", f"docker build --tag {baked.project.name}:ci .")
    ran = {check: runs(lines, check) is not None for check in docker_checks}
    assert ran == dict.fromkeys(docker_checks, baked.use_docker)


@pytest.mark.parametrize("ci", [ci for ci, ci_file in CI_FILES.items() if ci_file])
def test_ci_validates_the_kubernetes_manifests_only_with_kubernetes(
    ci: str, tmp_path: Path
) -> None:
    ci_file = CI_FILES[ci]
    assert ci_file is not None
    without = ci_file.shell_lines(bake(tmp_path / "n", ci=ci))
    assert runs(without, MANIFESTS_CHECK) is None
    project = bake(tmp_path / "y", ci=ci, kubernetes="y")
    ci_file.validate(project)
    assert runs(ci_file.shell_lines(project), MANIFESTS_CHECK) is not None
    # The same command, with this suite's kubernetes-validate, passes on the bake.
    run(["bash", "-c", MANIFESTS_CHECK], cwd=project, env=clean_environment(PATH=PATH_WITH_TOOLS))


def test_template_workflow_matches_the_github_workflow_schema() -> None:
    GITHUB_WORKFLOW.validate(TEMPLATE_ROOT)


def test_template_workflow_runs_the_readme_test_command_on_every_python_choice() -> None:
    workflow = GITHUB_WORKFLOW.load(TEMPLATE_ROOT)
    [job] = workflow["jobs"].values()
    assert set(job["strategy"]["matrix"]["python-version"]) == set(CHOICES["python_version"])
    [test_step] = [step for step in job["steps"] if step.get("run") == TEST_COMMAND]
    assert ADMIN_URL_ENV in test_step["env"]
    assert TEST_COMMAND in (TEMPLATE_ROOT / "README.md").read_text()
    assert TEST_COMMAND in (TEMPLATE_ROOT / ".ci" / "run").read_text()
