"""`new-resource` in a baked project, end to end: bad input changes nothing; two generated
resources pass the project's own lint, types, tests (all on SQLite; theirs and the migrations'
on PostgreSQL) and migration checks, and answer over HTTP under gunicorn.

One bake of the defaults, installed once for this module; its tests share one xdist worker.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject, register_and_login
from .harness import clean_environment
from .postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generator")]

NOTE = ["note", "--field", "body:text", "--field", "pinned:bool", "--field", "score:float?"]
INVOICE = [
    *("invoice", "--field", "number:str", "--field", "amount:decimal", "--field", "due:date"),
    *("--field", "paid_at:datetime?", "--field", "quantity:int", "--field", "note:text?"),
]
# Names the project's own generator tests once used as "never generated": the project's suite
# must still pass with resources of those names.
TASK = ["task", "--field", "title:str"]
GIZMO = ["sample_gizmo", "--field", "label:str"]
# Each bad command line and a word its one-line error must contain. "memo" is never generated,
# so each line fails for its own reason whether or not the resources above exist yet.
BAD_INPUTS = [
    (["class", "--field", "a:str"], "keyword"),
    (["todo", "--field", "a:str"], "already exists"),
    (["user", "--field", "a:str"], "already exists"),
    (["auth", "--field", "a:str"], "already exists"),
    (["core", "--field", "a:str"], "already exists"),
    (["health", "--field", "a:str"], "already exists"),
    (["memo", "--plural", "todos", "--field", "a:str"], "already exists"),
    (["9memos", "--field", "a:str"], "not a lower-case identifier"),
    (["memo", "--field", "x:blob"], "unknown type"),
    (["memo", "--field", ":str"], "empty"),
    (["memo", "--field", "a:str", "--field", "a:int"], "more than once"),
    *(
        (["memo", "--field", f"{column}:int"], "already has")
        for column in ("id", "owner_id", "created_at", "updated_at", "owner")
    ),
    (["memo", "--field", "class:str"], "keyword"),
    (["memo"], "--field"),
]


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> InstalledProject:
    return InstalledProject.create(tmp_path_factory.mktemp("generator"), {})


@pytest.fixture(scope="module")
def generated(baked: InstalledProject) -> InstalledProject:
    """The bake with resources added by the project's own command."""
    for arguments in (NOTE, INVOICE, TASK, GIZMO):
        baked.run(baked.path.name, "new-resource", *arguments)
    return baked


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the project and its content (not its venv, caches or databases)."""
    files = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != ".venv" and "cache" not in name]
        for name in names:
            if not name.endswith((".db", ".db-shm", ".db-wal", ".log")):
                path = Path(folder) / name
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


@pytest.mark.parametrize(
    ("arguments", "problem"), BAD_INPUTS, ids=[" ".join(args) for args, _ in BAD_INPUTS]
)
def test_bad_input_is_one_line_exit_1_and_changes_nothing(
    baked: InstalledProject, arguments: list[str], problem: str
) -> None:
    before = _snapshot(baked.path)
    result = subprocess.run(
        [str(baked.bin / baked.path.name), "new-resource", *arguments],
        cwd=baked.path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert problem in line
    assert result.stdout == ""
    assert _snapshot(baked.path) == before


def test_each_resource_is_a_domain_package_with_tests_and_a_migration(
    generated: InstalledProject,
) -> None:
    source = generated.path / "src" / generated.package

    def modules(domain: str) -> list[str]:
        return sorted(path.name for path in (source / domain).glob("*.py"))

    for plural in ("notes", "invoices"):
        assert modules(plural) == modules("todos")  # the shape of todos/
        assert (generated.path / "tests" / plural / f"test_{plural}.py").is_file()
        assert f"from .{plural} import domain as {plural}\n" in (source / "domains.py").read_text()
        [revision] = (generated.path / "migrations" / "versions").glob(f"*_create_{plural}.py")
        assert f'op.create_table(\n        "{plural}",' in revision.read_text()
    collected = generated.run("pytest", "--collect-only", "-q", "tests/notes", "tests/invoices")
    assert "tests/notes/test_notes.py::" in collected.stdout
    assert "tests/invoices/test_invoices.py::" in collected.stdout


def test_lint_format_types_and_security_lint_are_clean(generated: InstalledProject) -> None:
    generated.run("ruff", "check", "--no-cache", ".")
    generated.run("ruff", "format", "--check", "--no-cache", ".")
    generated.run("mypy", "--no-incremental")
    generated.run("lint-imports", "--no-cache")
    generated.run("bandit", "-q", "-c", "pyproject.toml", "-r", "src")


def test_own_suite_passes_on_sqlite(generated: InstalledProject) -> None:
    result = generated.run("pytest", "-q", "-p", "no:cacheprovider", timeout=1500)
    assert " passed" in result.stdout
    assert "Required test coverage of 95" in result.stdout


def test_own_suite_passes_on_postgresql(
    generated: InstalledProject, postgres: PostgresServer
) -> None:
    """The generated resources' tests and the migrations' on PostgreSQL; the rest of the suite
    runs there in test_baked_project.py, and all of it on SQLite above."""
    url = postgres.create_database("generated")
    tests = ("tests/notes", "tests/invoices", "tests/test_migrations.py")
    result = generated.run(
        "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", *tests, TEST_DATABASE_URL=url
    )
    assert " passed" in result.stdout
    assert re.search(r"\d+ skipped", result.stdout) is None


@pytest.fixture(scope="module")
def migrated(generated: InstalledProject, postgres: PostgresServer) -> str:
    url = postgres.create_database("generated_app")
    generated.run("alembic", "upgrade", "head", DATABASE_URL=url)
    return url


def test_migrations_create_the_tables_and_match_the_models_on_postgresql(
    generated: InstalledProject, migrated: str, postgres: PostgresServer
) -> None:
    tables = postgres.psql(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
        "WHERE schemaname = 'public'",
        migrated.rsplit("/", 1)[1],
    )
    assert tables == "alembic_version,invoices,jobs,notes,sample_gizmos,tasks,todos,users"
    generated.run("alembic", "check", DATABASE_URL=migrated)


def _walk_crud(
    api: httpx.Client,
    url: str,
    headers: dict[str, str],
    other: dict[str, str],
    body: dict[str, Any],
    change: dict[str, Any],
) -> None:
    """Create, list, read, update and delete one row; another user cannot see it."""
    created = api.post(url, headers=headers, json=body)
    assert created.status_code == 201, created.text
    row = created.json()
    assert {name: row[name] for name in body} == body
    item = f"{url}/{row['id']}"

    page = api.get(url, headers=headers).json()
    assert (page["total"], [each["id"] for each in page["items"]]) == (1, [row["id"]])
    assert api.get(item, headers=headers).json() == row
    updated = api.patch(item, headers=headers, json=change)
    assert updated.status_code == 200, updated.text
    assert {name: updated.json()[name] for name in change} == change

    for method in ("GET", "PATCH", "DELETE"):
        foreign = api.request(method, item, headers=other, json=change)
        assert foreign.status_code == 404
    assert api.get(url, headers=other).json()["total"] == 0

    bad = api.post(url, headers=headers, json={**body, next(iter(body)): ["not", "valid"]})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/json"
    assert bad.json()["detail"][0]["loc"][0] == "body"

    assert api.delete(item, headers=headers).status_code == 204
    assert api.get(item, headers=headers).status_code == 404


def test_gunicorn_serves_the_new_resources_on_postgresql(
    generated: InstalledProject, migrated: str
) -> None:
    with generated.serve(
        DATABASE_URL=migrated, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as api:
        owner = register_and_login(api, "owner@example.com")
        other = register_and_login(api, "other@example.com")
        _walk_crud(
            api,
            "/api/v1/notes",
            owner,
            other,
            body={"body": "Remember the milk", "pinned": True, "score": 0.5},
            change={"pinned": False, "score": None},
        )
        _walk_crud(
            api,
            "/api/v1/invoices",
            owner,
            other,
            body={
                "number": "INV-0001",
                "amount": "1234.50",
                "due": "2026-12-31",
                "paid_at": None,
                "quantity": 3,
                "note": None,
            },
            change={"paid_at": "2026-11-23T12:30:00Z", "amount": "99999999.99"},
        )
        too_big = api.post(
            "/api/v1/invoices",
            headers=owner,
            json={"number": "X", "amount": "1" * 11, "due": "2026-12-31", "quantity": 1},
        )
        assert too_big.status_code == 422
