"""The transactional outbox and the schedules end to end, with real processes on PostgreSQL: a
job recorded while Redis is down waits in the outbox through a SIGKILL of the whole web server
and runs once both are back (Celery bake); a job whose web process is killed mid-hand-off runs
again after its lease (one-process bake); a registration rolled back sends no mail; with two
gunicorn workers, each tick of a schedule runs exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .baked_project import PASSWORD, TEST_SECRET_KEY, InstalledProject, register_and_login
from .conftest import variant
from .harness import clean_environment, wait_for_url
from .postgres import PostgresServer, free_port
from .redis_server import redis_server
from .test_jobs import HOLD_TODOS_LOCK, start_worker, wait_for_worker
from .test_mail import slow_smtp_server

pytestmark = pytest.mark.slow

CELERY = pytest.mark.parametrize("project", [variant("py313-renamed")], indirect=True)
IN_PROCESS = pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
SWEEP = {"OUTBOX_SWEEP_SECONDS": "0.5"}
# Seconds before a message whose relay was killed mid-hand-off may be handed over again.
LEASE = 5
# Celery's line for each task a worker takes from the queue.
RECEIVED = re.compile(r"Task outbox\.deliver\[[^\]]+\] received")
# The scheduler's line for each tick it ran.
TICK = re.compile(r"Schedule ([\w.-]+) ran its tick of ([\d:T.+-]+)")


class Database:
    """The test's database, read with psql: what the processes left in it."""

    def __init__(self, postgres: PostgresServer, url: str) -> None:
        self.postgres, self.name = postgres, urlsplit(url).path.lstrip("/")

    def rows(self, sql: str) -> list[list[str]]:
        output = self.postgres.psql(sql, database=self.name)
        return [line.split("|") for line in output.splitlines() if line]

    def job(self, job_id: int) -> list[str]:
        [row] = self.rows(f"SELECT status, finished_at IS NOT NULL FROM jobs WHERE id = {job_id}")
        return row

    def message_of_job(self, job_id: int) -> list[str]:
        """(sent, claimed) of the job's outbox message, as 't'/'f'."""
        [row] = self.rows(
            "SELECT sent_at IS NOT NULL, claimed_until IS NOT NULL FROM outbox_messages"
            f" WHERE topic = 'jobs.run' AND (payload->>'job_id')::int = {job_id}"
        )
        return row


@pytest.fixture
def database(project: InstalledProject, postgres: PostgresServer) -> Database:
    url = postgres.create_database("outbox")
    project.run("alembic", "upgrade", "head", DATABASE_URL=url)
    return Database(postgres, url)


def settings_for(database: Database, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database.postgres.url_for(database.name),
        "ENVIRONMENT": "production",
        "SECRET_KEY": TEST_SECRET_KEY,
        **SWEEP,
        **extra,
    }


@contextmanager
def killable_gunicorn(
    project: InstalledProject, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], httpx.Client, Path]]:
    """gunicorn (two workers) in a session of its own, so that the test can SIGKILL it whole:
    master and workers die at once, no shutdown code runs."""
    port = free_port()
    log = project.path / f"gunicorn-killed-{port}.log"
    environment = clean_environment(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", **env)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(project.bin / "gunicorn"), "-c", "gunicorn_conf.py"],
            cwd=project.path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_url(f"{base_url}/health", process, log)
        with httpx.Client(base_url=base_url, timeout=30) as client:
            yield process, client, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def sigkill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    print(f"web server killed with SIGKILL (exit {process.returncode})")


def wait_for_job(api: httpx.Client, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, Any] = api.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in {"succeeded", "failed"}:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after 60 s"
        time.sleep(0.2)


def log_of(path: Path) -> str:
    return path.read_text(errors="replace")


@CELERY
def test_a_job_survives_redis_stopped_and_the_web_server_killed(
    project: InstalledProject, database: Database, tmp_path: Path
) -> None:
    redis_port, redis_log = free_port(), tmp_path / "redis.log"
    with ExitStack() as first_redis:
        redis_url = first_redis.enter_context(redis_server(redis_log, redis_port))
        env = settings_for(database, REDIS_URL=redis_url, OUTBOX_LEASE_SECONDS=str(LEASE))
        with killable_gunicorn(project, **env) as (web, api, web_log):
            owner = register_and_login(api, "outbox@example.com")
            todo = api.post("/api/v1/todos", headers=owner, json={"title": "kept"})
            assert todo.status_code == 201
            first_redis.close()
            print("redis stopped")
            started = api.post("/api/v1/todos/export", headers=owner)
            assert started.status_code == 202, started.text
            job_id = started.json()["id"]
            print(f"export answered {started.status_code} with Redis down: job {job_id} queued")
            time.sleep(2)  # the request's relay and a few sweeps find Redis down
            assert database.message_of_job(job_id)[0] == "f"  # not sent
            sigkill(web)
    failures = log_of(web_log).count("Could not hand over outbox message")
    print(f"hand-offs refused while Redis was down: {failures}")
    assert failures >= 1
    assert database.job(job_id) == ["queued", "f"]
    # Not sent; perhaps claimed by a hand-off the kill cut short (then retried after its lease).
    assert database.message_of_job(job_id)[0] == "f"
    print(
        f"after the kill: job {database.job(job_id)}, message (sent, claimed) "
        f"{database.message_of_job(job_id)}"
    )

    with redis_server(redis_log, redis_port) as redis_url:
        print("redis back on the same port; a worker and a new web server start")
        worker_env = clean_environment(**env)
        earlier_logs = set(project.path.glob("worker-*.log"))
        worker = start_worker(project, worker_env)
        try:
            wait_for_worker(project, worker_env, worker)
            with project.serve(**env) as api:
                job = wait_for_job(api, owner, job_id)
                assert job["status"] == "succeeded", job
                assert [each["title"] for each in job["result"]["todos"]] == ["kept"]
                print(f"job {job_id} {job['status']}: {job['result']['count']} todo exported")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    assert database.message_of_job(job_id) == ["t", "f"]
    [worker_log] = set(project.path.glob("worker-*.log")) - earlier_logs
    deliveries = len(RECEIVED.findall(log_of(worker_log)))
    print(f"message marked sent; deliveries the worker received: {deliveries}")
    assert deliveries == 1


@IN_PROCESS
def test_a_job_whose_web_server_is_killed_mid_hand_off_runs_again(
    project: InstalledProject, database: Database
) -> None:
    env = settings_for(database, OUTBOX_LEASE_SECONDS=str(LEASE))
    hold_lock = [str(project.bin / "python"), "-c", HOLD_TODOS_LOCK, env["DATABASE_URL"]]
    with killable_gunicorn(project, **env) as (web, api, _log):
        owner = register_and_login(api, "inprocess@example.com")
        assert api.post("/api/v1/todos", headers=owner, json={"title": "kept"}).status_code == 201
        with subprocess.Popen(
            hold_lock, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as lock:
            assert lock.stdout is not None
            assert lock.stdout.readline().strip() == "locked"
            started = api.post("/api/v1/todos/export", headers=owner)
            assert started.status_code == 202, started.text
            job_id = started.json()["id"]
            deadline = time.monotonic() + 30
            while database.job(job_id)[0] != "running":
                assert time.monotonic() < deadline, "the web process never started the job"
                time.sleep(0.05)
            print(f"job {job_id} running in the web process, waiting for a lock")
            assert database.message_of_job(job_id) == ["f", "t"]  # claimed, not sent
            sigkill(web)
    print(
        f"after the kill: job {database.job(job_id)}, message (sent, claimed) "
        f"{database.message_of_job(job_id)}"
    )
    assert database.job(job_id) == ["running", "f"]

    with project.serve(**env) as api:
        job = wait_for_job(api, owner, job_id)
    assert job["status"] == "succeeded", job
    assert job["result"]["count"] == 1
    assert database.message_of_job(job_id) == ["t", "f"]
    print(f"a new web server ran it again after the {LEASE} s lease: job {job['status']}")


@IN_PROCESS
def test_a_registration_rolled_back_sends_no_mail(
    project: InstalledProject, database: Database
) -> None:
    with slow_smtp_server() as (inbox, smtp_port):
        env = settings_for(
            database,
            EMAIL_VERIFICATION_REQUIRED="true",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            SMTP_TLS="false",
        )
        with project.serve(**env) as api:
            account = {"email": "twice@example.com", "password": PASSWORD}
            assert api.post("/api/v1/auth/register", json=account).status_code == 201
            again = api.post("/api/v1/auth/register", json=account)
            assert again.status_code == 409
            mail = inbox.wait_for_mail_to("twice@example.com")
            assert mail["Subject"] == "Verify your email address"
            time.sleep(3)  # several sweeps: nothing else comes
        print(f"mails to the address: {inbox.addresses()}")
        assert inbox.addresses() == ["twice@example.com"]
    recorded = database.rows("SELECT payload->>'email', sent_at IS NOT NULL FROM outbox_messages")
    print(f"outbox messages: {recorded}")
    assert recorded == [["twice@example.com", "t"]]


@IN_PROCESS
def test_two_workers_run_each_tick_of_a_schedule_exactly_once(
    project: InstalledProject, database: Database
) -> None:
    seconds = 8
    with project.gunicorn(**settings_for(database, PURGE_EVERY_SECONDS="1")) as server:
        time.sleep(seconds)
        ticks = TICK.findall(server.log())
    by_schedule: dict[str, list[str]] = {}
    for name, tick in ticks:
        by_schedule.setdefault(name, []).append(tick)
    for name, runs in sorted(by_schedule.items()):
        print(f"{name}: {len(runs)} ticks run in {seconds} s, {len(set(runs))} distinct")
    assert set(by_schedule) == {
        "identity.purge-lapsed-sessions",
        "idempotency.purge-expired",
        "outbox.purge-sent",
    }
    for runs in by_schedule.values():
        assert len(runs) == len(set(runs))  # no tick ran twice
        assert len(runs) >= seconds - 3  # and the schedule kept its beat
