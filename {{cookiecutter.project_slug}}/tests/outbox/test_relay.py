"""The outbox relay: what it hands over, once, and what it leaves for the next sweep."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import create_db_engine, utc_now
from {{ cookiecutter.package_name }}.infra.outbox.models import OutboxMessage
from {{ cookiecutter.package_name }}.infra.outbox.relay import Relay
from {{ cookiecutter.package_name }}.infra.outbox.service import add_message, claim_due
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.jobs.service import JOB_TOPIC

from ..conftest import ClientFactory
from ..factories import UserFactory
from ..smtp_server import free_port

Handed = list[tuple[int, str, dict[str, Any]]]


class Runner:
    """A runner that takes what it is handed, or refuses it while `down`."""

    def __init__(self) -> None:
        self.handed: Handed = []
        self.down = False

    async def __call__(self, message_id: int, topic: str, payload: dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("the runner is unreachable")
        self.handed.append((message_id, topic, payload))


@pytest.fixture
def runner() -> Runner:
    return Runner()


@pytest.fixture
def relay(session_factory: async_sessionmaker[AsyncSession], runner: Runner) -> Relay:
    return Relay(session_factory, runner, lease_seconds=60, sweep_after_seconds=0)


@pytest.fixture
def record(session: Session) -> Callable[..., int]:
    """Commit a message to the outbox, as a request does; its id."""

    def make(topic: str = "test.topic", **payload: Any) -> int:
        message = OutboxMessage(topic=topic, payload=payload)
        session.add(message)
        session.commit()
        return message.id

    return make


def stored(session: Session, message_id: int) -> OutboxMessage:
    session.rollback()  # a fresh snapshot: the relay wrote from its own connection
    return session.get_one(OutboxMessage, message_id)


@pytest.mark.anyio
async def test_a_committed_message_is_handed_over_once(
    relay: Relay, runner: Runner, record: Callable[..., int], session: Session
) -> None:
    message_id = record(n=1)
    assert await relay.relay() == 1
    assert await relay.relay() == 0
    assert runner.handed == [(message_id, "test.topic", {"n": 1})]
    message = stored(session, message_id)
    assert message.sent_at is not None
    assert message.claimed_until is None


@pytest.mark.anyio
async def test_a_rolled_back_message_is_never_handed_over(
    relay: Relay, runner: Runner, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        message = add_message(session, topic="test.topic", payload={})
        await session.flush()
        await session.rollback()
    assert await relay.relay([message.id]) == 0
    assert await relay.relay() == 0
    assert runner.handed == []


@pytest.mark.anyio
async def test_a_failed_hand_off_is_retried_by_the_next_sweep(
    relay: Relay, runner: Runner, record: Callable[..., int], session: Session
) -> None:
    message_id = record()
    runner.down = True
    assert await relay.relay() == 0
    message = stored(session, message_id)
    assert (message.sent_at, message.claimed_until) == (None, None)
    runner.down = False
    assert await relay.relay() == 1
    assert [handed[0] for handed in runner.handed] == [message_id]


@pytest.mark.anyio
async def test_a_claimed_message_waits_until_its_relays_lease_ends(
    relay: Relay,
    runner: Runner,
    record: Callable[..., int],
    session: Session,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    message_id = record()
    async with session_factory() as claimer:  # a relay that dies after its claim
        assert [m.id for m in await claim_due(claimer, lease_seconds=60, limit=10)] == [message_id]
        await claimer.commit()
    assert await relay.relay() == 0
    session.execute(update(OutboxMessage).values(claimed_until=utc_now() - timedelta(seconds=1)))
    session.commit()
    assert await relay.relay() == 1
    assert [handed[0] for handed in runner.handed] == [message_id]


@pytest.mark.anyio
async def test_a_request_relays_only_its_own_messages(
    relay: Relay, runner: Runner, record: Callable[..., int]
) -> None:
    mine, other = record(), record()
    assert await relay.relay([mine]) == 1
    assert [handed[0] for handed in runner.handed] == [mine]
    assert await relay.relay() == 1
    assert [handed[0] for handed in runner.handed] == [mine, other]


@pytest.mark.anyio
async def test_a_sweep_leaves_a_young_message_to_its_request(
    session_factory: async_sessionmaker[AsyncSession], runner: Runner, record: Callable[..., int]
) -> None:
    message_id = record()
    patient = Relay(session_factory, runner, lease_seconds=60, sweep_after_seconds=60)
    assert await patient.relay() == 0
    assert await patient.relay([message_id]) == 1


@pytest.mark.anyio
async def test_an_unreachable_database_is_logged_and_hands_nothing(
    settings: Settings, runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = settings.model_copy(
        update={"database_url": f"postgresql://app@127.0.0.1:{free_port()}/app"}
    )
    engine = create_db_engine(unreachable)
    relay = Relay(async_sessionmaker(engine), runner, lease_seconds=60, sweep_after_seconds=0)
    with caplog.at_level(logging.ERROR):
        assert await relay.relay() == 0
    await engine.dispose()
    assert "Could not read the outbox" in caplog.text
    assert runner.handed == []


def test_the_sweep_relays_what_no_request_did(
    client_with: ClientFactory, users: UserFactory, session: Session
) -> None:
    """A job committed with its message whose request died before relaying it still runs."""
    client_with(outbox_sweep_seconds=0.05)
    job = Job(owner_id=users.create().id, kind="todos.export", status=JobStatus.QUEUED)
    session.add(job)
    session.flush()
    session.add(OutboxMessage(topic=JOB_TOPIC, payload={"job_id": job.id}))
    session.commit()
    deadline = time.monotonic() + 30
    while session.scalar(select(Job.status).where(Job.id == job.id)) != JobStatus.SUCCEEDED:
        assert time.monotonic() < deadline, "the sweep did not run the job within 30 s"
        time.sleep(0.05)
        session.rollback()
