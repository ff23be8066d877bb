"""Every value of every option bakes, renders completely and lints clean."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from .harness import TEMPLATE_ROOT, TOOLS_BIN, bake, run

OPTIONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
CHOICE_OPTIONS = {name: values for name, values in OPTIONS.items() if isinstance(values, list)}

# The default bake, then each non-default value of each choice on its own.
VARIANTS = (
    [{}]
    + [{name: value} for name, values in CHOICE_OPTIONS.items() for value in values[1:]]
    + [{"use_docker": "n", "ci": "none", "python_version": "3.11"}]
)


# A Jinja tag; GitHub Actions' own `${{ ... }}` expressions are meant to stay.
UNRENDERED_TAG = re.compile(r"(?<!\$)\{\{|\{%")


def _variant_id(answers: dict[str, str]) -> str:
    return "-".join(f"{key}={value}" for key, value in answers.items()) or "defaults"


@pytest.fixture(scope="module", params=VARIANTS, ids=_variant_id)
def answers(request: pytest.FixtureRequest) -> dict[str, str]:
    defaults = {name: values[0] for name, values in CHOICE_OPTIONS.items()}
    return {**defaults, **request.param}


@pytest.fixture(scope="module")
def baked(answers: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("bake"), **answers)


def _text_files(project: Path) -> list[Path]:
    return [path for path in project.rglob("*") if path.is_file() and path.name != ".env"]


def test_nothing_is_left_unrendered(baked: Path) -> None:
    leftovers = [
        str(path.relative_to(baked))
        for path in _text_files(baked)
        if UNRENDERED_TAG.search(path.read_text())
    ]
    assert leftovers == []


def test_bake_lints_clean(baked: Path) -> None:
    run([str(TOOLS_BIN / "ruff"), "check", "--no-cache", "."], cwd=baked)
    run([str(TOOLS_BIN / "ruff"), "format", "--check", "--no-cache", "."], cwd=baked)


def test_pyproject_declares_the_chosen_python(baked: Path, answers: dict[str, str]) -> None:
    pyproject = tomllib.loads((baked / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"


def test_optional_files_follow_the_options(baked: Path, answers: dict[str, str]) -> None:
    expected = {
        "Dockerfile": answers["use_docker"] == "y",
        "compose.yaml": answers["use_docker"] == "y",
        ".dockerignore": answers["use_docker"] == "y",
        ".github": answers["ci"] == "github",
    }
    assert {name: (baked / name).exists() for name in expected} == expected


@pytest.mark.parametrize("license_name", CHOICE_OPTIONS["open_source_license"])
def test_license_matches_the_choice(tmp_path: Path, license_name: str) -> None:
    project = bake(tmp_path, open_source_license=license_name, author_name="Ada Lovelace")
    text = (project / "LICENSE").read_text()
    assert "Ada Lovelace" in text or license_name == "Apache-2.0"
    expected = {
        "MIT": "Permission is hereby granted",
        "BSD-3-Clause": "Redistribution and use in source and binary forms",
        "Apache-2.0": "Apache License",
        "Proprietary": "All rights reserved",
    }[license_name]
    assert expected in text


def test_custom_names_flow_through(tmp_path: Path) -> None:
    project = bake(tmp_path, project_name="Billing Service", description='Says "hi"')
    assert project.name == "billing-service"
    assert (project / "src" / "billing_service" / "main.py").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "billing-service"
    assert pyproject["project"]["description"] == 'Says "hi"'
    run([str(TOOLS_BIN / "ruff"), "check", "--no-cache", "."], cwd=project)
