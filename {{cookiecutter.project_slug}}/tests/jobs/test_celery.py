"""Jobs and mails on a real Celery worker (a thread of this process, solo pool) through the
test run's real Redis, the outbox holding them while Redis is unreachable; and the task itself
in eager mode."""

import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.infra.outbox.models import OutboxMessage
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.jobs.service import JOB_TOPIC
from {{ cookiecutter.package_name }}.worker import celery_app, deliver_task

from ..conftest import ClientFactory
from ..factories import TodoFactory, UserFactory
from ..smtp_server import Inbox, free_port
from .test_jobs import EXPORT, finished_job


@pytest.fixture
def worker(client: TestClient) -> Iterator[None]:
    """A real worker consuming from Redis, for the length of one test."""
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.mark.usefixtures("worker")
def test_an_export_runs_on_the_worker(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    owner = users.create()
    todos.create(owner, title="exported")
    headers = users.login_headers(client, owner)
    location = client.post(EXPORT, headers=headers).headers["Location"]
    job = finished_job(client, headers, location)
    assert job["status"] == JobStatus.SUCCEEDED
    assert [todo["title"] for todo in job["result"]["todos"]] == ["exported"]


@pytest.mark.usefixtures("worker")
def test_account_mails_go_out_from_the_worker(
    client_with: ClientFactory, users: UserFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings)
    user = users.create()
    answer = client.post("/api/v1/auth/password-recovery", json={"email": user.email})
    assert answer.status_code == 202
    deadline = time.monotonic() + 30
    while not inbox.to(user.email):
        assert time.monotonic() < deadline, "no mail within 30 s"
        time.sleep(0.05)
    assert inbox.to(user.email)[0]["Subject"] == "Reset your password"


def test_the_task_runs_a_job_eagerly(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    owner = users.create()
    todos.create(owner)
    headers = users.login_headers(client, owner)
    job_id = client.post(EXPORT, headers=headers).json()["id"]
    # A second delivery, as after a hand-off the relay could not mark: the job stays as it ended.
    deliver_task.apply(args=(0, JOB_TOPIC, {"job_id": job_id})).get()
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    assert job["status"] == JobStatus.SUCCEEDED
    assert job["result"]["count"] == 1


def test_a_job_waits_in_the_outbox_while_the_queue_is_unreachable(
    client_with: ClientFactory, auth_headers: dict[str, str], session: Session
) -> None:
    celery_app.conf.task_always_eager = False
    client = client_with(redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"))
    answer = client.post(EXPORT, headers=auth_headers)
    assert answer.status_code == 202
    assert answer.json()["status"] == JobStatus.QUEUED
    message = session.scalars(select(OutboxMessage)).one()
    assert (message.topic, message.payload) == (JOB_TOPIC, {"job_id": answer.json()["id"]})
    assert message.sent_at is None  # left for a sweep once Redis is back
    assert message.claimed_until is None
