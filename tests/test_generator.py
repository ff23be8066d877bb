"""`new-resource` in a baked project, end to end: todos is its output, byte for byte (and its
table the one the first migration creates); bad input changes nothing; generated resources,
one with references to two others, pass the project's own lint, types, tests (all on SQLite;
theirs and the migrations' on PostgreSQL) and migration checks, and answer over HTTP under
gunicorn, where a reference to another user's row is refused; and all that still holds after
another one was generated and removed again (`new-resource --remove`), whose table its drop
migration takes out on SQLite and PostgreSQL.

One bake of the defaults, installed once for this module; its tests share one xdist worker.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject, register_and_login
from .harness import bake, clean_environment, run
from .postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generator")]

NOTE = ["note", "--field", "body:text", "--field", "pinned:bool", "--field", "score:float?"]
# The command line whose output is the committed todos/ package and tests/todos/.
TODO = [
    *("todo", "--plural", "todos", "--export"),
    *("--field", "title:str:200", "--field", "description:text?", "--field", "completed:bool"),
]
INVOICE = [
    *("invoice", "--field", "number:str", "--field", "amount:decimal", "--field", "due:date"),
    *("--field", "paid_at:datetime?", "--field", "quantity:int", "--field", "note:text?"),
]
PROJECT = ["project", "--field", "name:str"]
# Names the project's own generator tests once used as "never generated": the project's suite
# must still pass with resources of those names. The task refers to a project (required) and
# to a note (optional).
TASK = ["task", "--field", "title:str", "--field", "project:ref", "--field", "note:ref?"]
GIZMO = ["sample_gizmo", "--field", "label:str"]
# Generated and removed again; a datetime column shows its downgrade re-creates the model's
# types (timestamptz on PostgreSQL), not SQLite's reflection of them.
SKETCH = ["sketch", "--field", "title:str", "--field", "drawn_at:datetime?"]
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
    (["memo", "--field", "a:str", "--field", "todoo:ref"], "did you mean todo?"),
    (["--remove", "memo"], "no resource 'memo'"),
    *((["--remove", name], "not a generated resource") for name in ("users", "auth", "jobs")),
    (["--remove", "health"], "not a generated resource"),
    (["--remove", "todos"], "todos is still imported by tests/"),
]


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> InstalledProject:
    return InstalledProject.create(tmp_path_factory.mktemp("generator"), {})


@pytest.fixture(scope="module")
def generated(baked: InstalledProject) -> InstalledProject:
    """The bake with resources added by the project's own command, and one of them (sketches)
    removed again by it."""
    for arguments in (NOTE, SKETCH, INVOICE, PROJECT, TASK, GIZMO):
        baked.run(baked.path.name, "new-resource", *arguments)
    removed = baked.run(baked.path.name, "new-resource", "--remove", "sketches").stdout
    assert removed.startswith("'sketches' is the package of the resource Sketch\n"), removed
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


def _without_todos(root: Path, package: str) -> None:
    """Take todos out of the project at `root`: its package and tests, its registry import and
    entry, its name in the import contract, and its table from the first migration."""
    shutil.rmtree(root / "src" / package / "todos")
    shutil.rmtree(root / "tests" / "todos")
    domains = root / "src" / package / "domains.py"
    text = domains.read_text(encoding="utf-8")
    for line in ("from .todos import domain as todos\n", "    todos,\n"):
        assert line in text
        text = text.replace(line, "")
    domains.write_text(text, encoding="utf-8")
    pyproject = root / "pyproject.toml"
    text, found = re.subn(
        r'(    # The resource domains\.\n    ")todos(?: : )?',
        r"\1",
        pyproject.read_text(encoding="utf-8"),
    )
    assert found == 1
    pyproject.write_text(text, encoding="utf-8")
    for migration in (root / "migrations" / "versions").glob("*.py"):
        source = migration.read_text(encoding="utf-8")
        migration.write_text(_without_statements_on(source, "todos"), encoding="utf-8")


def _without_statements_on(source: str, table: str) -> str:
    """A migration's `source` without the statements of its functions that name `table`."""
    dropped: set[int] = set()
    for function in ast.parse(source).body:
        if isinstance(function, ast.FunctionDef):
            for statement in function.body:
                strings = {n.value for n in ast.walk(statement) if isinstance(n, ast.Constant)}
                if table in strings:
                    dropped.update(range(statement.lineno - 1, statement.end_lineno or 0))
    lines = source.splitlines(keepends=True)
    return "".join(line for number, line in enumerate(lines) if number not in dropped)


@pytest.fixture(scope="module", params=[{}, {"admin": "n"}], ids=["defaults", "admin=n"])
def todos_regenerated(
    request: pytest.FixtureRequest,
    baked: InstalledProject,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    """A bake (as committed) and a copy of it with todos taken out and generated again, by the
    installed bake's interpreter on the copy's sources."""
    answers: dict[str, str] = request.param
    original = bake(tmp_path_factory.mktemp("todos-original"), **answers) if answers else baked.path
    copy = tmp_path_factory.mktemp("todos-generated") / original.name
    ignored = shutil.ignore_patterns(".venv", ".git", "*.db*", ".*_cache", "__pycache__")
    shutil.copytree(original, copy, ignore=ignored)
    _without_todos(copy, baked.package)
    main = f"from {baked.package}.cli import main; main()"
    run(
        [str(baked.bin / "python"), "-c", main, "new-resource", *TODO],
        cwd=copy,
        env=clean_environment(PYTHONPATH=str(copy / "src")),
    )
    return original, copy


def test_todos_is_the_generators_output_byte_for_byte(
    todos_regenerated: tuple[Path, Path], baked: InstalledProject
) -> None:
    committed, generated = todos_regenerated
    folders = [Path("src", baked.package, "todos"), Path("tests", "todos")]
    names = sorted(
        {
            str(path.relative_to(root))
            for root in (committed, generated)
            for folder in folders
            for path in (root / folder).glob("*.py")
        }
    )
    assert len(names) == 9
    diffs = []
    for name in names:
        before, after = (
            (root / name).read_bytes() if (root / name).exists() else b""
            for root in (committed, generated)
        )
        if before != after:
            diffs += difflib.unified_diff(
                before.decode().splitlines(keepends=True),
                after.decode().splitlines(keepends=True),
                f"committed/{name}",
                f"generated/{name}",
            )
            diffs.append(f"({name}: the bytes differ)\n")
    assert not diffs, "new-resource " + " ".join(TODO) + " differs:\n" + "".join(diffs)


def _migrated_table(
    project: InstalledProject, root: Path, table: str, database: Path
) -> dict[str, Any]:
    """`table` as the migrations of the project at `root` leave it in the SQLite `database`:
    its columns (name, type, NOT NULL, default, primary key) and its indexes' columns."""
    run(
        [str(project.bin / "alembic"), "upgrade", "head"],
        cwd=root,
        env=clean_environment(PYTHONPATH=str(root / "src"), DATABASE_URL=f"sqlite:///{database}"),
    )
    with closing(sqlite3.connect(database)) as connection:
        columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
        indexes = connection.execute(f"PRAGMA index_list({table})").fetchall()
        return {
            "columns": {name: rest for _, name, *rest in columns},
            "indexes": {
                name: [column for _, _, column in connection.execute(f"PRAGMA index_info({name})")]
                for _, name, *_ in indexes
            },
        }


def test_todos_table_is_the_one_the_generator_migrates(
    todos_regenerated: tuple[Path, Path], baked: InstalledProject, tmp_path: Path
) -> None:
    committed, generated = todos_regenerated
    assert list((generated / "migrations" / "versions").glob("*_create_todos.py"))
    expected = _migrated_table(baked, committed, "todos", tmp_path / "committed.db")
    assert {"version", "owner_id"} <= set(expected["columns"])
    assert "ix_todos_owner_id_created_at" in expected["indexes"]
    assert _migrated_table(baked, generated, "todos", tmp_path / "generated.db") == expected


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

    assert not (source / "sketches").exists()  # removed again, like its tests and registration
    assert not (generated.path / "tests" / "sketches").exists()
    assert "sketches" not in (source / "domains.py").read_text()
    assert "sketches" not in (generated.path / "pyproject.toml").read_text()
    versions = generated.path / "migrations" / "versions"
    # Named <date>_<random revision>_<message>: the order of the names says nothing.
    assert sorted(path.name.split("_", 2)[2] for path in versions.glob("*_sketches.py")) == [
        "create_sketches.py",
        "drop_sketches.py",
    ]
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


GENERATED = ("notes", "invoices", "projects", "tasks", "sample_gizmos")


def _passed_without_skips(output: str) -> None:
    assert re.search(r"\d+ passed", output)
    assert re.search(r"\d+ (failed|skipped|error)", output) is None


def test_own_suite_passes_on_sqlite(generated: InstalledProject) -> None:
    """All of the suite but the generated packages' own tests (run once, with coverage,
    below), without coverage: its tracing doubles the run, and the whole package's coverage
    is measured in test_baked_project.py."""
    others = [f"--ignore=tests/{plural}" for plural in GENERATED]
    result = generated.run(
        "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", *others, timeout=1500
    )
    _passed_without_skips(result.stdout)


def test_generated_resources_are_covered_by_their_own_tests(generated: InstalledProject) -> None:
    """The generated packages' tests pass, and the project's coverage gate is held by each
    generated package with its own tests alone."""
    tests = [f"tests/{plural}" for plural in GENERATED]
    result = generated.run("pytest", "-q", "-p", "no:cacheprovider", "--cov-fail-under=0", *tests)
    _passed_without_skips(result.stdout)
    include = ",".join(f"src/{generated.package}/{plural}/*" for plural in GENERATED)
    report = generated.run("coverage", "report", f"--include={include}")
    # `coverage report` exits non-zero below the project's fail_under, or with no data.
    assert re.search(r"TOTAL .* (9[5-9]|100)%", report.stdout), report.stdout


def test_own_suite_passes_on_postgresql(
    generated: InstalledProject, postgres: PostgresServer
) -> None:
    """The generated resources' tests and the migrations' on PostgreSQL; the rest of the suite
    runs there in test_baked_project.py, and all of it on SQLite above."""
    url = postgres.create_database("generated")
    tests = ("tests/notes", "tests/invoices", "tests/tasks", "tests/test_migrations.py")
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
    assert tables == (
        "alembic_version,api_keys,audit_events,idempotency_records,invoices,jobs,login_sessions,"
        "notes,outbox_messages,projects,recovery_codes,refresh_tokens,roles,sample_gizmos,"
        "schedule_ticks,tasks,todos,totp_credentials,user_roles,users"
    )
    generated.run("alembic", "check", DATABASE_URL=migrated)
    foreign_keys = postgres.psql(
        "SELECT string_agg(conname || ' ' || confdeltype::text, ',' ORDER BY conname) "
        "FROM pg_constraint WHERE conrelid = 'tasks'::regclass AND contype = 'f'",
        migrated.rsplit("/", 1)[1],
    )
    # ON DELETE: CASCADE (c) for the owner and the required project, SET NULL (n) for the note.
    assert foreign_keys == (
        "fk_tasks_note_id_notes n,fk_tasks_owner_id_users c,fk_tasks_project_id_projects c"
    )


def _tables(postgres: PostgresServer, url: str) -> set[str]:
    """The tables of the database at `url`, SQLite's or the test server's."""
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {name for (name,) in rows}
    sql = "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"
    return set(postgres.psql(sql, url.rsplit("/", 1)[1]).split(","))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_removed_resources_migration_drops_its_table_and_its_downgrade_restores_it(
    generated: InstalledProject, postgres: PostgresServer, tmp_path: Path, database: str
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'removed.db'}"
    else:
        url = postgres.create_database("removed")
    generated.run("alembic", "upgrade", "head", DATABASE_URL=url)
    generated.run("alembic", "check", DATABASE_URL=url)
    assert {"notes", "todos"} <= _tables(postgres, url)
    assert "sketches" not in _tables(postgres, url)
    generated.run("alembic", "downgrade", "-1", DATABASE_URL=url)  # the drop, undone
    assert "sketches" in _tables(postgres, url)
    if database == "postgresql":  # as the model made it, not as SQLite reflects it
        column = postgres.psql(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'sketches' AND column_name = 'drawn_at'",
            url.rsplit("/", 1)[1],
        )
        assert column == "timestamp with time zone"
    generated.run("alembic", "upgrade", "head", DATABASE_URL=url)
    assert "sketches" not in _tables(postgres, url)


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


def _walk_references(api: httpx.Client, headers: dict[str, str], other: dict[str, str]) -> None:
    """A task refers to the caller's own project and note; another user's project, or a
    missing one, is the same 422 naming the field; deleting the project deletes its tasks,
    deleting the note clears the task's reference to it."""

    def make(url: str, who: dict[str, str], body: dict[str, Any]) -> int:
        created = api.post(url, headers=who, json=body)
        assert created.status_code == 201, created.text
        row_id: int = created.json()["id"]
        return row_id

    project = make("/api/v1/projects", headers, {"name": "Mine"})
    foreign = make("/api/v1/projects", other, {"name": "Theirs"})
    note = make("/api/v1/notes", headers, {"body": "See this"})
    task = make("/api/v1/tasks", headers, {"title": "A", "project_id": project, "note_id": note})
    refused = [
        api.post("/api/v1/tasks", headers=headers, json={"title": "B", "project_id": project_id})
        for project_id in (foreign, 999_999)
    ]
    assert [answer.status_code for answer in refused] == [422, 422]
    assert refused[0].json() == refused[1].json()
    assert refused[0].json()["detail"][0]["loc"] == ["body", "project_id"]
    moved = api.patch(f"/api/v1/tasks/{task}", headers=headers, json={"project_id": foreign})
    assert moved.status_code == 422
    listed = api.get("/api/v1/tasks", headers=headers, params={"project_id": project}).json()
    assert [row["id"] for row in listed["items"]] == [task]

    assert api.delete(f"/api/v1/notes/{note}", headers=headers).status_code == 204
    assert api.get(f"/api/v1/tasks/{task}", headers=headers).json()["note_id"] is None
    assert api.delete(f"/api/v1/projects/{project}", headers=headers).status_code == 204
    assert api.get(f"/api/v1/tasks/{task}", headers=headers).status_code == 404


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
        _walk_references(api, owner, other)
        too_big = api.post(
            "/api/v1/invoices",
            headers=owner,
            json={"number": "X", "amount": "1" * 11, "due": "2026-12-31", "quantity": 1},
        )
        assert too_big.status_code == 422
