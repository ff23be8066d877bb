"""Background jobs end to end on the Celery bake: a throwaway Redis, PostgreSQL, a real
`celery worker` process and gunicorn with two workers. An export runs on the worker, a mail
goes out from it, the login limit holds across gunicorn's workers, and a job whose worker is
killed mid-run is delivered again and completes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from .baked_project import TEST_SECRET_KEY, InstalledProject, register_and_login
from .conftest import variant
from .harness import clean_environment, run
from .postgres import PostgresServer
from .redis_server import redis_server
from .test_mail import SlowInbox, slow_smtp_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("py313-renamed")], indirect=True),
]

LOGIN_MAX_FAILURES = 3
# Short, so that a job lost with its worker comes back within the test: delivered again this
# many seconds after its first delivery (the limits must stay below it).
VISIBILITY_TIMEOUT = 10
JOB_LIMITS = {
    "JOB_SOFT_TIME_LIMIT": "8",
    "JOB_TIME_LIMIT": "9",
    "JOB_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
}
# Holds an exclusive lock on the todos table until its standard input closes: an export then
# waits in its query, mid-run, for as long as the test wants.
HOLD_TODOS_LOCK = """
import sys, psycopg2
connection = psycopg2.connect(sys.argv[1])
connection.cursor().execute("LOCK TABLE todos IN ACCESS EXCLUSIVE MODE")
print("locked", flush=True)
sys.stdin.read()
"""


def start_worker(project: InstalledProject, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`celery ... worker` with the command the Docker image and compose use, one pool
    process, in a session of its own (so that the test can kill it whole)."""
    command = [*_celery(project), "worker", "--loglevel", "INFO", "--concurrency", "1"]
    with (project.path / f"worker-{time.monotonic_ns()}.log").open("w") as log:
        return subprocess.Popen(
            command,
            cwd=project.path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _celery(project: InstalledProject) -> list[str]:
    return [str(project.bin / "celery"), "--app", f"{project.package}.worker"]


def wait_for_worker(
    project: InstalledProject, env: dict[str, str], worker: subprocess.Popen[bytes]
) -> None:
    """Wait until the worker answers `celery inspect ping`, its healthcheck."""
    deadline = time.monotonic() + 60
    while True:
        assert worker.poll() is None, "the worker exited"
        ping = subprocess.run(
            [*_celery(project), "inspect", "ping", "--timeout", "2"],
            cwd=project.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if ping.returncode == 0 and "pong" in ping.stdout:
            return
        assert time.monotonic() < deadline, ping.stdout + ping.stderr
        time.sleep(0.5)


@dataclass
class Stack:
    project: InstalledProject
    database_url: str
    worker_env: dict[str, str]
    mails: SlowInbox
    api: httpx.Client
    # Every worker started, the running one last; each is stopped at the end.
    workers: list[subprocess.Popen[bytes]]

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.workers.append(start_worker(self.project, self.worker_env))
        return self.workers[-1]


@pytest.fixture(scope="module")
def stack(
    project: InstalledProject, postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    database_url = postgres.create_database("jobs")
    project.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
    redis_log = tmp_path_factory.mktemp("redis") / "redis.log"
    with redis_server(redis_log) as redis_url, slow_smtp_server() as (mails, port):
        common = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ENVIRONMENT": "production",
            "SECRET_KEY": TEST_SECRET_KEY,
            **JOB_LIMITS,
        }
        # SMTP only for the worker: a mail that arrives was sent by the worker.
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TLS": "false"}
        worker_env = clean_environment(**common, **smtp)
        with project.serve(**common, LOGIN_MAX_FAILURES=str(LOGIN_MAX_FAILURES)) as api:
            stack = Stack(project, database_url, worker_env, mails, api, workers=[])
            try:
                wait_for_worker(project, worker_env, stack.start_worker())
                yield stack
            finally:
                for worker in stack.workers:
                    worker.terminate()
                    worker.wait(timeout=60)


def _finished_job(api: httpx.Client, headers: dict[str, str], location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, Any] = api.get(location, headers=headers).json()
        if job["status"] in {"succeeded", "failed"}:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after 60 s"
        time.sleep(0.1)


def test_an_export_runs_on_the_worker_for_its_owner_only(stack: Stack) -> None:
    api = stack.api
    owner = register_and_login(api, "exporter@example.com")
    other = register_and_login(api, "bystander@example.com")
    titles = [f"todo {n}" for n in range(5)]
    for title in titles:
        assert api.post("/api/v1/todos", headers=owner, json={"title": title}).status_code == 201
    assert api.post("/api/v1/todos", headers=other, json={"title": "theirs"}).status_code == 201

    started = api.post("/api/v1/todos/export", headers=owner)
    assert started.status_code == 202
    location = started.headers["Location"]
    assert api.get(location, headers=other).status_code == 404
    job = _finished_job(api, owner, location)
    assert job["status"] == "succeeded", job
    assert job["result"]["count"] == len(titles)
    assert sorted(todo["title"] for todo in job["result"]["todos"]) == titles


def test_a_password_recovery_mail_goes_out_from_the_worker(stack: Stack) -> None:
    register_and_login(stack.api, "forgetful@example.com")
    answer = stack.api.post(
        "/api/v1/auth/password-recovery", json={"email": "forgetful@example.com"}
    )
    assert answer.status_code == 202
    mail = stack.mails.wait_for_mail_to("forgetful@example.com", timeout=30)
    assert mail["Subject"] == "Reset your password"


def test_the_login_limit_holds_across_gunicorn_workers(stack: Stack) -> None:
    register_and_login(stack.api, "guessed@example.com")
    wrong = {"grant_type": "password", "username": "guessed@example.com", "password": "a guess"}
    statuses = []
    for _ in range(LOGIN_MAX_FAILURES + 8):
        # A new connection each time, so that either worker may answer.
        with httpx.Client(base_url=stack.api.base_url, timeout=30) as client:
            statuses.append(client.post("/api/v1/auth/token", data=wrong).status_code)
    assert statuses == [400] * LOGIN_MAX_FAILURES + [429] * 8


def test_a_job_whose_worker_is_killed_mid_run_completes_after_redelivery(stack: Stack) -> None:
    api = stack.api
    owner = register_and_login(api, "survivor@example.com")
    assert api.post("/api/v1/todos", headers=owner, json={"title": "kept"}).status_code == 201
    hold_lock = [str(stack.project.bin / "python"), "-c", HOLD_TODOS_LOCK, stack.database_url]
    # Leaving the block closes the holder's standard input: it rolls back and exits.
    with subprocess.Popen(
        hold_lock, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as lock:
        assert lock.stdout is not None
        assert lock.stdout.readline().strip() == "locked"
        location = api.post("/api/v1/todos/export", headers=owner).headers["Location"]
        deadline = time.monotonic() + 30
        while api.get(location, headers=owner).json()["status"] != "running":
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.05)
        # Mid-run: the job waits for the lock. Kill the worker, pool process and all.
        killed = stack.workers[-1]
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
    assert api.get(location, headers=owner).json()["status"] == "running"

    stack.start_worker()
    job = _finished_job(api, owner, location)
    assert job["status"] == "succeeded", job
    assert [todo["title"] for todo in job["result"]["todos"]] == ["kept"]


def test_make_worker_runs_the_agreed_command(project: InstalledProject) -> None:
    command = run(["make", "--dry-run", "worker"], cwd=project.path).stdout
    assert command.split() == [
        ".venv/bin/celery",
        "--app",
        f"{project.package}.worker",
        "worker",
        "--loglevel",
        "INFO",
    ]
