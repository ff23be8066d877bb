"""Bake with the real cookiecutter CLI: what the hooks reject, write and print."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from .harness import CHOICES, Bake, answers_for, load_hook, python_for, run, run_bake

BAD_CHOICES = [
    ("python_version", "3.9"),
    ("use_docker", "maybe"),
    ("ci", "jenkins"),
    ("open_source_license", "GPL"),
    ("observability", "datadog"),
]
MINIMUM_PYTHON = CHOICES["python_version"][0]
MINIMUM_VERSION = [int(part) for part in MINIMUM_PYTHON.split(".")]


@pytest.fixture(scope="module")
def default_bake(tmp_path_factory: pytest.TempPathFactory) -> Bake:
    return run_bake(tmp_path_factory.mktemp("default"), "--no-input")


def read_env(project_dir: Path) -> dict[str, str]:
    lines = (project_dir / ".env").read_text(encoding="utf-8").splitlines()
    pairs = (ln.split("=", 1) for ln in lines if ln and not ln.startswith("#"))
    return {key: value for key, value in pairs}


def printed_steps(baked: Bake) -> list[str]:
    """The commands of the next steps the post-generation hook printed (its indented lines)."""
    lines = baked.result.stdout.splitlines()
    return [line.strip() for line in lines if line.startswith("    ")]


def assert_hook_rejected(baked: Bake, field: str) -> None:
    assert baked.result.returncode != 0
    [error] = baked.hook_error_lines()
    assert error.startswith(f"ERROR: {field} "), error
    # A crash inside the hook would show a traceback through its rendered temp file.
    assert f'File "{baked.scratch_dir}' not in baked.result.stderr
    assert not any(baked.output_dir.iterdir())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project_name", "!!!"),
        ("project_name", "   "),
        ("project_name", ""),
        ("project_slug", "My Project"),
        ("project_slug", "-x"),
        ("project_slug", "   "),
        pytest.param(
            "project_slug",
            "",
            marks=pytest.mark.xfail(
                strict=True,
                reason="cookiecutter creates the folder named by project_slug before any hook "
                "runs; an empty name is the output folder itself, which exists "
                '(cookiecutter says: Error: "<output folder>" directory already exists)',
            ),
        ),
        ("package_name", ""),
        ("package_name", "   "),
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
    tmp_path: Path, field: str, value: str
) -> None:
    assert_hook_rejected(run_bake(tmp_path, "--no-input", **{field: value}), field)


def test_kubernetes_without_the_docker_image_is_rejected(tmp_path: Path) -> None:
    baked = run_bake(tmp_path, "--no-input", kubernetes="y", use_docker="n")
    assert_hook_rejected(baked, "kubernetes")
    assert "use_docker=y" in baked.hook_error_lines()[0]


@pytest.mark.parametrize(("field", "value"), BAD_CHOICES)
def test_invalid_choice_on_the_command_line_is_rejected_before_baking(
    tmp_path: Path, field: str, value: str
) -> None:
    # cookiecutter checks `key=value` against the choice list itself (an uncaught
    # ValueError naming the field), before any folder or hook exists.
    baked = run_bake(tmp_path, "--no-input", **{field: value})
    assert baked.result.returncode != 0
    assert f"provided for choice variable {field}" in baked.result.stderr
    assert not any(baked.output_dir.iterdir())


@pytest.mark.parametrize(("field", "value"), BAD_CHOICES)
def test_invalid_choice_in_a_replay_file_is_rejected_by_the_hook(
    tmp_path: Path, field: str, value: str
) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": answers_for() | {field: value}}))
    assert_hook_rejected(run_bake(tmp_path / "out", "--replay-file", str(replay)), field)


@pytest.mark.parametrize(
    ("answers", "slug", "package"),
    [
        ({}, "todo-api", "todo_api"),
        ({"package_name": "app"}, "todo-api", "app"),
        ({"version": "1.0.0rc1"}, "todo-api", "todo_api"),
        ({"project_name": "My Cool Service"}, "my-cool-service", "my_cool_service"),
    ],
)
def test_valid_edge_answers_bake(
    tmp_path: Path, answers: dict[str, str], slug: str, package: str
) -> None:
    baked = run_bake(tmp_path, "--no-input", **answers)
    assert baked.project_dir.name == slug
    assert (baked.project_dir / "src" / package).is_dir()
    assert printed_steps(baked)[0] == f"cd {slug}"


def test_env_has_a_long_secret_key_readable_by_the_owner_only(default_bake: Bake) -> None:
    env_file = default_bake.project_dir / ".env"
    env = read_env(default_bake.project_dir)
    assert env["ENVIRONMENT"] == "development"
    assert len(env["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "never commit" in env_file.read_text().lower()


def test_env_is_git_ignored(default_bake: Bake) -> None:
    lines = (default_bake.project_dir / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in [line.strip() for line in lines]


def test_each_bake_gets_its_own_secret_key(tmp_path: Path, default_bake: Bake) -> None:
    other = run_bake(tmp_path, "--no-input").project_dir
    assert read_env(other)["SECRET_KEY"] != read_env(default_bake.project_dir)["SECRET_KEY"]


def test_rebaking_over_a_project_keeps_its_env(tmp_path: Path) -> None:
    first = read_env(run_bake(tmp_path, "--no-input").project_dir)
    again = run_bake(tmp_path, "--no-input", "--overwrite-if-exists")
    assert read_env(again.project_dir) == first


def test_next_steps_end_with_serving_through_gunicorn_conf(default_bake: Bake) -> None:
    steps = printed_steps(default_bake)
    assert steps[0] == f"cd {default_bake.project_dir.name}"
    assert steps[-1] == "gunicorn -c gunicorn_conf.py"


def test_next_steps_make_a_venv_with_a_python_the_project_supports(tmp_path: Path) -> None:
    baked = run_bake(tmp_path, "--no-input")
    # The first two steps as printed: into the project, and create and activate its venv.
    run(["bash", "-c", " && ".join(printed_steps(baked)[:2])], cwd=baked.output_dir)
    venv_python = baked.project_dir / ".venv" / "bin" / "python"
    version = run(
        [str(venv_python), "-c", "import sys; print(*sys.version_info[:2])"], cwd=tmp_path
    )
    assert [int(part) for part in version.stdout.split()] >= MINIMUM_VERSION
    run([str(venv_python), "-m", "pip", "--version"], cwd=tmp_path)  # the next step needs pip


def _machine(root: Path, on_path: dict[str, str], pyenv: list[str]) -> dict[str, str]:
    """PATH and PYENV_ROOT of a machine with these Pythons: {command: version} on PATH (or
    "uv": ""), and pyenv builds of the given versions."""
    path = root / "bin"
    path.mkdir()
    for command, version in on_path.items():
        if command == "uv":
            (path / "uv").write_text("#!/bin/sh\nexit 1\n")  # is never run
            (path / "uv").chmod(0o755)
        else:
            (path / command).symlink_to(python_for(version))
    for version in pyenv:
        build = root / "pyenv" / "versions" / f"{version}.0" / "bin"
        build.mkdir(parents=True)
        (build / "python3").symlink_to(python_for(version))
    return {"PATH": str(path), "PYENV_ROOT": str(root / "pyenv")}


@pytest.mark.parametrize(
    ("on_path", "pyenv", "venv"),
    [
        ({"python3.13": "3.13", "python3": "3.13"}, [], "python3.13 -m venv .venv"),
        ({"python3": "3.13"}, ["3.12"], "python3 -m venv .venv"),
        (
            {"python3": "3.11", "python3.11": "3.11"},
            ["3.11", "3.13"],
            "{root}/pyenv/versions/3.13.0/bin/python3 -m venv .venv",
        ),
        ({"python3": "3.11", "uv": ""}, [], f"uv venv --seed --python {MINIMUM_PYTHON} .venv"),
        ({"python3": "3.11"}, ["3.11"], None),
    ],
    ids=["python3.X", "python3", "pyenv", "uv", "none"],
)
def test_next_steps_name_a_python_this_machine_has(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    on_path: dict[str, str],
    pyenv: list[str],
    venv: str | None,
) -> None:
    for name, value in _machine(tmp_path, on_path, pyenv).items():
        monkeypatch.setenv(name, value)
    hook = load_hook("post_gen_project")
    assert hook["venv_command"](hook["find_python"]()) == (venv and venv.format(root=tmp_path))


def test_next_steps_say_which_python_to_install_when_none_is_found() -> None:
    next_steps = load_hook("post_gen_project")["next_steps"](None)
    assert f"Python {MINIMUM_PYTHON} or newer is needed" in next_steps
    assert f"    python{MINIMUM_PYTHON} -m venv .venv && source .venv/bin/activate\n" in next_steps
