"""Every variant bakes, renders completely, lints clean, and keeps exactly its options' files."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import editorconfig
import pytest
import yaml
from binaryornot.check import is_binary
from cookiecutter.utils import create_env_with_context

from .harness import (
    CHOICES,
    TEMPLATE_CONTEXT,
    TEMPLATE_ROOT,
    TOOLS_BIN,
    VARIANTS,
    Variant,
    answers_for,
    bake,
    load_hook,
    run,
)

# (option, answer) -> the files that exist only when that answer was chosen (a file several
# answers share is in each of their rows; `{package}` stands for the package name). The
# post-generation hook has its own table of what to remove; a test below keeps the two equal.
_METRICS_FILES = frozenset({"src/{package}/infra/metrics.py", "tests/core/test_metrics.py"})
_TRACING_FILES = frozenset({"src/{package}/infra/tracing.py", "tests/core/test_tracing.py"})
OPTIONAL_PATHS: dict[tuple[str, str], frozenset[str]] = {
    ("use_docker", "y"): frozenset({"Dockerfile", ".dockerignore", "compose.yaml", "docker"}),
    ("ci", "github"): frozenset({".github"}),
    ("ci", "gitlab"): frozenset({".gitlab-ci.yml"}),
    ("observability", "prometheus"): _METRICS_FILES,
    ("observability", "otel"): _METRICS_FILES | _TRACING_FILES,
    ("admin", "y"): frozenset({"src/{package}/admin", "tests/admin", "docs"}),
    ("kubernetes", "y"): frozenset({"deploy"}),
    ("background_jobs", "none"): frozenset(
        {
            "src/{package}/runtime_local.py",
            "src/{package}/infra/throttle_memory.py",
        }
    ),
    ("background_jobs", "celery"): frozenset(
        {
            "src/{package}/runtime_celery.py",
            "src/{package}/worker.py",
            "src/{package}/infra/celery_app.py",
            "src/{package}/infra/redis.py",
            "src/{package}/infra/throttle_redis.py",
            "src/{package}/infra/rate_counter_redis.py",
            "tests/jobs/test_celery.py",
            "tests/schedules/test_beat.py",
            "tests/redis_server.py",
        }
    ),
}
# The files that need several answers at once (the hook's COMBINED_PATHS).
COMBINED_PATHS: dict[tuple[tuple[str, str], ...], frozenset[str]] = {
    (("kubernetes", "y"), ("background_jobs", "celery")): frozenset(
        {
            "deploy/k8s/worker-deployment.yaml",
            "deploy/k8s/worker-networkpolicy.yaml",
            "deploy/k8s/beat-deployment.yaml",
            "deploy/k8s/beat-networkpolicy.yaml",
        }
    ),
}
LICENSE_TEXT = {
    "MIT": "Permission is hereby granted",
    "BSD-3-Clause": "Redistribution and use in source and binary forms",
    "Apache-2.0": "Apache License",
    "Proprietary": "All rights reserved",
}

# A Jinja tag; GitHub Actions' own `${{ ... }}` expressions are meant to stay.
UNRENDERED_TAG = re.compile(r"(?<!\$)\{\{|\{%")


@pytest.fixture(scope="module", params=VARIANTS, ids=lambda variant: variant.id)
def variant(request: pytest.FixtureRequest) -> Variant:
    return request.param


@pytest.fixture(scope="module")
def answers(variant: Variant) -> dict[str, Any]:
    return answers_for(**variant.answers)


@pytest.fixture(scope="module")
def baked(variant: Variant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("bake"), **variant.answers)


def _text_files(project: Path) -> list[Path]:
    """Every file but .env and images (which cookiecutter, like this, tells by binaryornot)."""
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and path.name != ".env" and not is_binary(str(path))
    ]


def _copied_verbatim(answers: dict[str, Any]) -> list[str]:
    """The folders cookiecutter copies without rendering (the baked project's own Jinja
    templates), as cookiecutter.json names them, for these answers."""
    context = {"cookiecutter": answers}
    environment = create_env_with_context(context)
    return [
        environment.from_string(pattern).render(**context)
        for pattern in TEMPLATE_CONTEXT["_copy_without_render"]
    ]


def test_nothing_is_left_unrendered(baked: Path, answers: dict[str, Any]) -> None:
    verbatim = _copied_verbatim(answers)
    rendered = [
        relative
        for relative in (path.relative_to(baked) for path in _text_files(baked))
        if not any(
            fnmatch(str(folder), pattern) for folder in relative.parents for pattern in verbatim
        )
    ]
    leftovers = [
        str(path) for path in rendered if UNRENDERED_TAG.search((baked / path).read_text())
    ]
    assert leftovers == []
    # Each is there, but the admin's own templates in a bake without the admin package.
    kept = [folder for folder in verbatim if answers["admin"] == "y" or "/admin/" not in folder]
    assert all((baked / folder).is_dir() for folder in kept)


def test_bake_lints_clean(baked: Path) -> None:
    run([str(TOOLS_BIN / "ruff"), "check", "--no-cache", "."], cwd=baked)
    run([str(TOOLS_BIN / "ruff"), "format", "--check", "--no-cache", "."], cwd=baked)


def test_pyproject_declares_the_chosen_python(baked: Path, answers: dict[str, Any]) -> None:
    pyproject = tomllib.loads((baked / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"


def test_only_the_chosen_observability_is_installed(baked: Path, answers: dict[str, Any]) -> None:
    pyproject = tomllib.loads((baked / "pyproject.toml").read_text())
    names = {re.split(r"[\[>=<]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    chosen = answers["observability"]
    assert ("prometheus-client" in names) == (chosen != "none")
    assert ("opentelemetry-sdk" in names) == (chosen == "otel")
    assert "sentry-sdk" in names  # SENTRY_DSN works whatever the choice


def test_the_app_factory_has_no_option_branches_and_mounts_each_chosen_part(
    baked: Path, answers: dict[str, Any]
) -> None:
    """Options choose modules (parts.py lists them), not branches inside main.py."""
    main = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}/main.py"
    assert not re.search(r"{%-?\s*if", main.read_text())
    parts = (baked / "src" / answers["package_name"] / "parts.py").read_text()
    [listed] = re.findall(r"^PARTS: tuple\[Part, \.\.\.\] = \(([^)]*)\)", parts, re.M)
    chosen = {
        "metrics": answers["observability"] != "none",
        "tracing": answers["observability"] == "otel",
        "admin": answers["admin"] == "y",
    }
    assert listed.replace(",", " ").split() == [name for name, on in chosen.items() if on]


# What only the admin site brings: its package and dependencies, setting, README section.
ADMIN_MARKERS = re.compile(r"sqladmin|wtforms|itsdangerous|admin_enabled|/admin\b", re.IGNORECASE)


def test_the_admin_site_is_baked_only_when_chosen(baked: Path, answers: dict[str, Any]) -> None:
    mentions = sorted(
        str(path.relative_to(baked))
        for path in _text_files(baked)
        if ADMIN_MARKERS.search(path.read_text())
    )
    if answers["admin"] == "n":
        assert mentions == []
    else:
        assert {"pyproject.toml", "constraints.txt", "README.md", ".env.example"} <= set(mentions)


def test_celery_and_redis_come_only_with_background_jobs_celery(
    baked: Path, answers: dict[str, Any]
) -> None:
    pyproject = tomllib.loads((baked / "pyproject.toml").read_text())
    names = {re.split(r"[\[>=<]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    celery = answers["background_jobs"] == "celery"
    assert {"celery", "redis"} & names == ({"celery", "redis"} if celery else set())
    assert ("REDIS_URL" in (baked / ".env.example").read_text()) == celery
    assert ("worker:" in (baked / "Makefile").read_text()) == celery
    compose = baked / "compose.yaml"
    if compose.exists():
        services = yaml.safe_load(compose.read_text())["services"]
        assert {"redis", "worker"} & set(services) == ({"redis", "worker"} if celery else set())


def test_optional_files_follow_the_options(baked: Path, answers: dict[str, Any]) -> None:
    needs = {(row,): paths for row, paths in _optional_paths(answers).items()} | COMBINED_PATHS
    expected: dict[str, bool] = {}  # kept when any row listing it has all its answers chosen
    for rows, paths in needs.items():
        chosen = all(answers[option] == answer for option, answer in rows)
        for path in paths:
            expected[path] = expected.get(path, False) or chosen
    assert {path: (baked / path).exists() for path in expected} == expected


def _optional_paths(answers: dict[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """OPTIONAL_PATHS with the package name of `answers` filled in."""
    return {
        row: frozenset(path.format(package=answers["package_name"]) for path in paths)
        for row, paths in OPTIONAL_PATHS.items()
    }


def test_the_post_generation_hook_removes_the_files_listed_here() -> None:
    hook_table = load_hook("post_gen_project")["OPTIONAL_PATHS"]
    assert {row: frozenset(paths) for row, paths in hook_table.items()} == _optional_paths(
        answers_for()
    )
    combined = load_hook("post_gen_project")["COMBINED_PATHS"]
    assert {rows: frozenset(paths) for rows, paths in combined.items()} == COMBINED_PATHS


def test_every_license_is_baked_by_a_variant() -> None:
    baked_licenses = {answers_for(**variant.answers)["open_source_license"] for variant in VARIANTS}
    assert baked_licenses == set(CHOICES["open_source_license"]) == set(LICENSE_TEXT)


def test_license_matches_the_choice(baked: Path, answers: dict[str, Any]) -> None:
    text = (baked / "LICENSE").read_text()
    assert LICENSE_TEXT[answers["open_source_license"]] in text
    assert answers["author_name"] in text or answers["open_source_license"] == "Apache-2.0"


def test_custom_names_flow_through(tmp_path: Path) -> None:
    project = bake(
        tmp_path,
        project_name="Billing Service",
        description='Says "hi"',
        author_name="Ada Lovelace",
    )
    assert project.name == "billing-service"
    assert (project / "src" / "billing_service" / "main.py").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "billing-service"
    assert pyproject["project"]["description"] == 'Says "hi"'
    assert pyproject["project"]["authors"][0]["name"] == "Ada Lovelace"
    assert "Ada Lovelace" in (project / "LICENSE").read_text()
    run([str(TOOLS_BIN / "ruff"), "check", "--no-cache", "."], cwd=project)


def _editorconfig_breaches(path: Path) -> Iterator[str]:
    """What in `path` breaks the rules .editorconfig gives editors for it."""
    rules = editorconfig.get_properties(str(path.resolve()))
    text = path.read_text()
    lines = text.splitlines()
    if rules.get("end_of_line") == "lf" and "\r" in text:
        yield "CR line endings"
    if rules.get("insert_final_newline") == "true" and text and not text.endswith("\n"):
        yield "no final newline"
    if rules.get("trim_trailing_whitespace") == "true" and any(
        line != line.rstrip() for line in lines
    ):
        yield "trailing whitespace"
    other_indent = {"space": "\t", "tab": " "}.get(rules.get("indent_style", ""))
    if other_indent and any(line.startswith(other_indent) for line in lines):
        yield f"indented with {other_indent!r} where .editorconfig says {rules['indent_style']}"


def test_editorconfig_matches_ruff_and_every_file_follows_it(baked: Path) -> None:
    ruff = tomllib.loads((baked / "pyproject.toml").read_text())["tool"]["ruff"]
    python = editorconfig.get_properties(str((baked / "gunicorn_conf.py").resolve()))
    assert python["max_line_length"] == str(ruff["line-length"])
    assert (python["indent_style"], python["indent_size"]) == ("space", "4")
    assert editorconfig.get_properties(str((baked / "Makefile").resolve()))["indent_style"] == "tab"
    breaches = [
        f"{path.relative_to(baked)}: {breach}"
        for path in _text_files(baked)
        for breach in _editorconfig_breaches(path)
    ]
    assert breaches == []


def _readme_section(project: Path, heading: str) -> str:
    return (project / "README.md").read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ")[0]


def test_quick_start_is_three_make_targets_at_most(baked: Path) -> None:
    first_block = re.search(r"```bash\n(.*?)```", _readme_section(baked, "Quick start"), re.S)
    assert first_block
    commands = [line.split("#")[0].split() for line in first_block[1].splitlines()]
    targets = set(re.findall(r"^([a-z]+):", (baked / "Makefile").read_text(), re.M))
    # With Celery, the worker is the one more process a newcomer starts.
    assert 0 < len([command for command in commands if command != ["make", "worker"]]) <= 3
    assert all(command[0] == "make" and command[1] in targets for command in commands)


def test_readme_lists_every_setting_env_example_lists(baked: Path) -> None:
    settings_table = re.search(r"(?:^\|.*\n)+", _readme_section(baked, "Configuration"), re.M)
    assert settings_table
    in_readme = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", settings_table[0], re.M)
    env_example = (baked / ".env.example").read_text()
    assert set(in_readme) == set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", env_example, re.M))
