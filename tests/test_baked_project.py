"""Bake, install in a fresh venv, and use each project the way its developers and clients would.

Each variant is baked and installed once (a session fixture) and all its tests run on one
xdist worker (`xdist_group`), so installs are not repeated.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject
from .conftest import variant
from .harness import clean_environment, run
from .postgres import PostgresServer

pytestmark = pytest.mark.slow


# Each installed variant's whole suite runs once: the defaults on their embedded SQLite, the
# others on PostgreSQL. So each database runs the suite, with every option value in one run.
@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_own_suite_passes_on_sqlite(project: InstalledProject) -> None:
    result = project.run("pytest", "-q", "-p", "no:cacheprovider", timeout=1500)
    assert " passed" in result.stdout
    assert "Required test coverage of 95" in result.stdout


@pytest.mark.parametrize(
    "project", [variant("py311-no-docker-no-ci"), variant("py313-renamed")], indirect=True
)
def test_own_suite_passes_on_postgresql(
    project: InstalledProject, postgres: PostgresServer
) -> None:
    url = postgres.create_database("suite")
    # Coverage, which doubles the suite's time, is measured in the SQLite run.
    result = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", TEST_DATABASE_URL=url, timeout=1500
    )
    assert " passed" in result.stdout
    assert re.search(r"\d+ skipped", result.stdout) is None
    # The suite migrated this very database (and left Alembic's bookkeeping table behind).
    database = url.rsplit("/", 1)[1]
    assert postgres.psql("SELECT to_regclass('alembic_version') IS NOT NULL", database) == "t"


def test_lint_format_types_and_security_lint_are_clean(project: InstalledProject) -> None:
    project.run("ruff", "check", "--no-cache", ".")
    project.run("ruff", "format", "--check", "--no-cache", ".")
    project.run("mypy", "--no-incremental")
    project.run("lint-imports", "--no-cache")
    project.run("bandit", "-q", "-c", "pyproject.toml", "-r", "src")


def test_migrations_reach_head_on_postgresql_and_match_the_models(
    project: InstalledProject, migrated_database: str, postgres: PostgresServer
) -> None:
    database = migrated_database.rsplit("/", 1)[1]
    tables = postgres.psql(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
        "WHERE schemaname = 'public'",
        database,
    )
    assert tables == (
        "alembic_version,api_keys,audit_events,idempotency_records,jobs,login_sessions,"
        "recovery_codes,refresh_tokens,"
        "roles,todos,totp_credentials,user_roles,users"
    )
    project.run("alembic", "check", DATABASE_URL=migrated_database)


def test_gunicorn_serves_the_whole_todo_flow_on_postgresql(
    project: InstalledProject, migrated_database: str
) -> None:
    admin_password = "the admin's own password"
    created = project.run(
        project.path.name,  # the console script is named after the project
        "create-superuser",
        "--email",
        "admin@example.com",
        DATABASE_URL=migrated_database,
        SUPERUSER_PASSWORD=admin_password,
    )
    assert "Created superuser admin@example.com" in created.stdout
    with project.serve(
        DATABASE_URL=migrated_database, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as api:
        assert api.get("/health/ready").json()["database"] == "ok"
        _walk_the_todo_flow(api)
        admin = _token(api, "admin@example.com", admin_password)
        users = api.get("/api/v1/users", headers=admin)
        assert users.status_code == 200
        assert users.json()["total"] == 3  # the admin, the walker and the other user


def test_production_defaults_hold_on_a_real_server(
    project: InstalledProject, migrated_database: str
) -> None:
    """Security headers (and no server banner), HEAD, request ids in JSON logs (successful
    probes not access-logged), body limit, login throttle, no docs."""
    with (
        project.gunicorn(
            DATABASE_URL=migrated_database,
            ENVIRONMENT="production",
            SECRET_KEY=TEST_SECRET_KEY,
            WEB_CONCURRENCY="1",  # the login throttle counts per worker
            LOGIN_MAX_FAILURES="3",
            MAX_REQUEST_BODY_BYTES="2048",
        ) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as api,
    ):
        health = api.get("/health", headers={"X-Request-ID": "quiet-probe-1"})
        assert health.headers["X-Request-ID"] == "quiet-probe-1"
        traced = api.get("/api/v1/users/me", headers={"X-Request-ID": "e2e-trace-42"})
        assert traced.headers["X-Request-ID"] == "e2e-trace-42"
        assert health.headers["X-Content-Type-Options"] == "nosniff"
        assert health.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in health.headers
        assert health.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "camera=()" in health.headers["Permissions-Policy"]
        # No banner: the project's gunicorn worker class keeps uvicorn's `server` header out.
        assert "server" not in health.headers
        assert "server" not in api.get("/nope").headers
        head = api.head("/health")
        assert (head.status_code, head.content) == (200, b"")
        behind_tls = api.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
        assert api.get("/docs").status_code == 404
        assert api.get("/openapi.json").status_code == 404

        too_big = api.post("/api/v1/auth/register", content=b"{" + b" " * 4096 + b"}")
        assert too_big.status_code == 413
        assert too_big.json() == {"detail": "Request body too large"}

        guess = {"grant_type": "password", "username": "x@example.com", "password": "no"}
        guesses = [api.post("/api/v1/auth/token", data=guess) for _ in range(4)]
        assert [guess.status_code for guess in guesses] == [400, 400, 400, 429]
        assert int(guesses[-1].headers["Retry-After"]) > 0
        assert guesses[-1].json()["detail"].startswith("Too many failed login attempts")
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "e2e-trace-42"]
    assert access, server.log()[-2000:]
    assert access[0]["logger"] == "app.access"
    assert access[0]["status"] == 401
    assert not [line for line in lines if line.get("request_id") == "quiet-probe-1"]
    assert all(line["level"] in {"DEBUG", "INFO", "WARNING"} for line in lines), server.log()


def test_production_refuses_to_start_with_a_placeholder_secret(
    project: InstalledProject,
) -> None:
    result = subprocess.run(
        [str(project.bin / "gunicorn"), "-c", "gunicorn_conf.py"],
        cwd=project.path,
        env=clean_environment(
            ENVIRONMENT="production", SECRET_KEY="changethis", BIND="127.0.0.1:0"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "SECRET_KEY must be set" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "command", [["gunicorn", "-c", "gunicorn_conf.py"], ["alembic", "upgrade", "head"]]
)
def test_a_mistyped_database_url_stops_the_server_and_migrations_in_one_line(
    project: InstalledProject, command: list[str]
) -> None:
    result = subprocess.run(
        [str(project.bin / command[0]), *command[1:]],
        cwd=project.path,
        env=clean_environment(DATABASE_URL="postgress://app:hunter2@db/app", BIND="127.0.0.1:0"),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "DATABASE_URL: must be a sqlite:// or postgresql:// URL" in output
    assert "Traceback" not in output
    assert "hunter2" not in output
    assert len(output.strip().splitlines()) == 1


def test_quick_start_on_embedded_sqlite_keeps_data_across_restarts(
    project: InstalledProject,
) -> None:
    """The README's path: no DATABASE_URL, the generated .env, migrations, then gunicorn."""
    project.run("alembic", "upgrade", "head")
    credentials = {
        "grant_type": "password",
        "username": "restart@example.com",
        "password": "survives restarts",
    }
    with project.serve() as api:
        assert api.get("/docs").status_code == 200
        registered = api.post(
            "/api/v1/auth/register",
            json={"email": credentials["username"], "password": credentials["password"]},
        )
        assert registered.status_code in (201, 409), registered.text
        token = api.post("/api/v1/auth/token", data=credentials).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = api.post("/api/v1/todos", headers=headers, json={"title": "persist me"})
        assert created.status_code == 201
    with project.serve() as api:
        token = api.post("/api/v1/auth/token", data=credentials).json()["access_token"]
        listed = api.get("/api/v1/todos", headers={"Authorization": f"Bearer {token}"}).json()
        assert created.json()["id"] in [item["id"] for item in listed["items"]]
    assert list(Path(project.path).glob("*.db")), "the SQLite file lives in the project folder"


def test_an_autogenerated_revision_passes_the_projects_own_checks(
    project: InstalledProject, tmp_path: Path
) -> None:
    """Alembic's post-write hooks format and lint-fix every new revision."""
    copy = tmp_path / project.path.name
    shutil.copytree(
        project.path,
        copy,
        ignore=shutil.ignore_patterns(".venv", "*.db*", "*.log", ".*_cache", "__pycache__"),
    )
    models = copy / "src" / project.package / "todos" / "models.py"
    models.write_text(
        models.read_text()
        + "    estimated_minutes_to_finish_this_todo_at_the_latest: Mapped[int | None] = "
        "mapped_column(default=None)\n"
    )
    # The copy's sources come first on the path, ahead of the editable install's.
    env = clean_environment(
        PYTHONPATH=str(copy / "src"), DATABASE_URL=f"sqlite:///{tmp_path / 'revision.db'}"
    )
    alembic = str(project.bin / "alembic")
    run([alembic, "upgrade", "head"], cwd=copy, env=env)
    run([alembic, "revision", "--autogenerate", "-m", "Estimate todos"], cwd=copy, env=env)
    [revision] = (copy / "migrations" / "versions").glob("*_estimate_todos.py")
    assert "estimated_minutes_to_finish_this_todo_at_the_latest" in revision.read_text()
    revision_path = str(revision.relative_to(copy))
    run([str(project.bin / "ruff"), "check", "--no-cache", revision_path], cwd=copy)
    run([str(project.bin / "ruff"), "format", "--check", "--no-cache", revision_path], cwd=copy)


def _pip_audit_commands(project: Path) -> set[str]:
    """Every pip-audit command line the project documents or runs in CI."""
    places = [project / "README.md", *(project / ".github").glob("workflows/*.yml")]
    lines = [
        line.split("#")[0].strip() for place in places for line in place.read_text().splitlines()
    ]
    return {line.removeprefix("run:").strip() for line in lines if "pip-audit " in line}


def test_the_dependency_audit_fails_when_it_cannot_audit(project: InstalledProject) -> None:
    """A vulnerability service out of reach must fail the audit, not pass it silently."""
    commands = _pip_audit_commands(project.path)
    assert commands
    unreachable = "http://127.0.0.1:9"  # nothing listens on the discard port
    for command in commands:
        program, *arguments = shlex.split(command)
        result = subprocess.run(
            [str(project.bin / program), *arguments],
            cwd=project.path,
            env=clean_environment(HTTPS_PROXY=unreachable, HTTP_PROXY=unreachable),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode != 0, (command, result.stdout, result.stderr)


def _token(api: httpx.Client, email: str, password: str) -> dict[str, str]:
    form = {"grant_type": "password", "username": email, "password": password}
    response = api.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _walk_the_todo_flow(api: httpx.Client) -> None:
    password = "a long and secret password"
    user = api.post(
        "/api/v1/auth/register",
        json={"email": "Walker@Example.com", "password": password, "full_name": "Walker"},
    )
    assert user.status_code == 201, user.text
    assert user.json()["email"] == "walker@example.com"
    assert "password" not in user.text
    assert (
        api.post(
            "/api/v1/auth/register", json={"email": "walker@example.com", "password": password}
        ).status_code
        == 409
    )

    wrong_password = {"grant_type": "password", "username": "walker@example.com", "password": "x"}
    wrong = api.post("/api/v1/auth/token", data=wrong_password)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    headers = _token(api, "WALKER@example.com", password)
    assert api.get("/api/v1/users/me", headers=headers).json()["full_name"] == "Walker"

    created = [
        api.post("/api/v1/todos", headers=headers, json={"title": f"todo {n}"}) for n in range(3)
    ]
    assert all(response.status_code == 201 for response in created)
    ids = [response.json()["id"] for response in created]

    page = api.get("/api/v1/todos", headers=headers, params={"limit": 2}).json()
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [ids[2], ids[1]]

    patched = api.patch(f"/api/v1/todos/{ids[0]}", headers=headers, json={"completed": True})
    assert patched.status_code == 200
    assert patched.json()["completed"] is True
    done = api.get("/api/v1/todos", headers=headers, params={"completed": True}).json()
    assert [item["id"] for item in done["items"]] == [ids[0]]

    assert api.delete(f"/api/v1/todos/{ids[1]}", headers=headers).status_code == 204
    assert api.get(f"/api/v1/todos/{ids[1]}", headers=headers).status_code == 404

    api.post("/api/v1/auth/register", json={"email": "other@example.com", "password": password})
    other = _token(api, "other@example.com", password)
    foreign = api.get(f"/api/v1/todos/{ids[0]}", headers=other)
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "Todo not found"}

    for bad in (
        api.post("/api/v1/todos", headers=headers, json={"title": ""}),
        api.post("/api/v1/todos", headers=headers, content=b"{not json"),
        api.get("/api/v1/todos/99999999999999999999", headers=headers),
        api.get("/api/v1/todos", headers=headers, params={"limit": 1000}),
    ):
        assert bad.status_code == 422
        assert "detail" in bad.json()
    assert api.get("/api/v1/users/me").status_code == 401
    assert api.get("/api/v1/users", headers=headers).status_code == 403
