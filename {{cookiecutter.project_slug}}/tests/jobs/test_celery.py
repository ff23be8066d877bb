"""Jobs and mails on a real Celery worker (a thread of this process, solo pool) through the
test run's real Redis; and the tasks themselves in eager mode."""

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict

import pytest
from celery.contrib.testing.worker import start_worker
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.infra.celery_app import make_celery
from {{ cookiecutter.package_name }}.infra.mail.queued import QueuedMailSender
from {{ cookiecutter.package_name }}.infra.mail.render import Mail
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.worker import celery_app, run_job_task, send_mail_task, use_settings

from ..conftest import ClientFactory
from ..factories import TodoFactory, UserFactory
from ..smtp_server import Inbox, free_port
from .test_jobs import EXPORT, finished_job

MAIL = Mail(to="to@example.com", subject="Hi", text="text", html="<p>html</p>")


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


def test_the_job_task_runs_a_job_eagerly(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    owner = users.create()
    todos.create(owner)
    headers = users.login_headers(client, owner)
    job_id = client.post(EXPORT, headers=headers).json()["id"]
    run_job_task.apply(args=(job_id,)).get()  # a second run, as after a redelivery
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    assert job["status"] == JobStatus.SUCCEEDED
    assert job["result"]["count"] == 1


def test_the_mail_task_reports_a_failed_send(settings: Settings) -> None:
    use_settings(settings)  # no SMTP_HOST: the mail is logged, not sent
    assert send_mail_task.apply(args=(asdict(MAIL),)).get() is False


def test_an_unreachable_queue_answers_503(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    celery_app.conf.task_always_eager = False
    client = client_with(redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0"))
    answer = client.post(EXPORT, headers=auth_headers)
    assert answer.status_code == 503
    assert answer.json() == {"detail": "The job queue is unavailable; retry later"}


@pytest.mark.anyio
async def test_a_mail_that_cannot_be_queued_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    celery_app.conf.task_always_eager = False
    unreachable_url = SecretStr(f"redis://127.0.0.1:{free_port()}/0")
    unreachable = settings.model_copy(update={"redis_url": unreachable_url})
    use_settings(unreachable)
    with caplog.at_level(logging.ERROR):
        sender = QueuedMailSender(
            unreachable, producer_app=make_celery(unreachable), task=send_mail_task
        )
        assert not await sender.send(MAIL)
    assert "Could not queue the mail 'Hi'" in caplog.text
