"""The jobs API, the same whichever runner runs the jobs: export the caller's todos, then
follow the job to its result."""

import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.domains import job_functions
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.jobs.service import run_job

from ..factories import TodoFactory, UserFactory

EXPORT = "/api/v1/todos/export"


def finished_job(client: TestClient, headers: dict[str, str], location: str) -> dict[str, Any]:
    """Poll the job until it has succeeded or failed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(location, headers=headers).json()
        if job["status"] in {JobStatus.SUCCEEDED, JobStatus.FAILED}:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {location} still {job['status']} after 30 s")


def test_export_lists_exactly_the_callers_todos(
    client: TestClient, users: UserFactory, todos: TodoFactory
) -> None:
    owner, other = users.create(), users.create()
    titles = ["first", "second", "third"]
    for title in titles:
        todos.create(owner, title=title, completed=title == "second")
    todos.create(other, title="not mine")
    headers = users.login_headers(client, owner)

    started = client.post(EXPORT, headers=headers)
    assert started.status_code == 202
    assert started.json()["status"] == JobStatus.QUEUED
    location = started.headers["Location"]
    assert location == f"/api/v1/jobs/{started.json()['id']}"

    job = finished_job(client, headers, location)
    assert job["status"] == JobStatus.SUCCEEDED
    assert job["kind"] == "todos.export"
    assert job["error"] is None
    assert job["finished_at"] is not None
    assert job["result"]["count"] == 3
    exported = job["result"]["todos"]
    assert [todo["title"] for todo in exported] == list(reversed(titles))  # newest first
    assert {todo["owner_id"] for todo in exported} == {owner.id}
    assert [todo["completed"] for todo in exported] == [False, True, False]


def test_an_export_of_no_todos_is_empty(client: TestClient, auth_headers: dict[str, str]) -> None:
    location = client.post(EXPORT, headers=auth_headers).headers["Location"]
    job = finished_job(client, auth_headers, location)
    assert job["result"] == {"count": 0, "todos": []}


def test_another_users_job_is_404(client: TestClient, users: UserFactory) -> None:
    owner_headers = users.login_headers(client, users.create())
    location = client.post(EXPORT, headers=owner_headers).headers["Location"]
    stranger = users.login_headers(client, users.create())
    answer = client.get(location, headers=stranger)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Job not found"}
    assert client.get("/api/v1/jobs/999999", headers=owner_headers).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("POST", EXPORT), ("GET", "/api/v1/jobs/1")])
def test_jobs_need_a_login(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 401


@pytest.mark.anyio
async def test_a_job_that_raises_fails_with_the_errors_kind(
    session_factory: async_sessionmaker[AsyncSession], users: UserFactory, session: Session
) -> None:
    # A kind this version does not know (left by a newer release, say) cannot run.
    job = Job(owner_id=users.create().id, kind="todos.unknown", status=JobStatus.QUEUED)
    session.add(job)
    session.commit()
    await run_job(session_factory, job_functions(), job.id)
    session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert job.error == "KeyError"
    assert job.finished_at is not None


@pytest.mark.anyio
async def test_a_job_whose_owner_is_gone_is_dropped(
    session_factory: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await run_job(session_factory, job_functions(), 424242)
    assert "Job 424242 no longer exists" in caplog.text


@pytest.mark.anyio
async def test_a_finished_job_delivered_again_is_left_as_it_ended(
    session_factory: async_sessionmaker[AsyncSession], users: UserFactory, session: Session
) -> None:
    job = Job(owner_id=users.create().id, kind="todos.export", status=JobStatus.QUEUED)
    session.add(job)
    session.commit()
    runs: list[int] = []

    async def export(_session: AsyncSession, owner_id: int) -> dict[str, Any]:
        runs.append(owner_id)
        return {"run": len(runs)}

    for _ in range(2):  # the outbox handed it over twice
        await run_job(session_factory, {"todos.export": export}, job.id)
    session.refresh(job)
    assert runs == [job.owner_id]
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"run": 1}
