"""The Celery worker: `celery --app {{ cookiecutter.package_name }}.worker worker`, and the
domains' schedules: `celery --app {{ cookiecutter.package_name }}.worker beat` (run exactly one).

Its tasks are thin wrappers that run the same async code as the API on the worker's event
loop; their arguments are JSON (ids and plain values, never objects). They keep no result in
the result backend: a job's status and result are in its database row, a mail's fate in the
log and its outbox row, so queueing one waits for nothing but the broker.

Settings are read when Celery first needs them, not at import. Each worker process runs its
tasks on one event loop of its own, with its own database engine, made when the process
starts and disposed of when it stops.
"""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from celery import Celery
from celery.signals import setup_logging, worker_process_init, worker_process_shutdown
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .core.config import Settings, get_settings
from .core.db import DATABASE_ERRORS, create_db_engine, utc_now
from .core.logging import configure_logging
from .delivery import Delivery
from .domains import schedules
from .infra.celery_app import APP_NAME, celery_config
from .infra.mail.sender import MailSender
from .infra.schedules.service import run_schedule

T = TypeVar("T")

celery_app = Celery(APP_NAME)


def worker_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration, with beat's schedule: one entry per domain schedule, each
    tick a `schedules.run` task."""
    beat_schedule = {
        name: {"task": "schedules.run", "schedule": schedule.every(settings), "args": (name,)}
        for name, schedule in schedules().items()
    }
    return {**celery_config(settings), "beat_schedule": beat_schedule}


@celery_app.on_configure.connect
def _configure_from_environment(sender: Celery, **_: object) -> None:
    sender.config_from_object(worker_config(get_settings()))


@setup_logging.connect
def _log_like_the_app(**_: object) -> None:
    """The worker logs in the app's format and level (JSON lines in production) instead of
    Celery's own."""
    configure_logging(get_settings())


@dataclass
class _WorkerProcess:
    """The settings, event loop and database engine of one worker process."""

    settings: Settings | None = None
    loop: asyncio.AbstractEventLoop | None = None
    engine: AsyncEngine | None = None

    def open(self) -> tuple[asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]]:
        if self.loop is None or self.engine is None:
            self.loop = asyncio.new_event_loop()
            self.engine = create_db_engine(worker_settings())
        return self.loop, async_sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        if self.loop is None or self.engine is None:
            return
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()
        self.loop = self.engine = None


_worker = _WorkerProcess()


def worker_settings() -> Settings:
    return _worker.settings or get_settings()


def use_settings(settings: Settings) -> None:
    """Run this process's tasks on these settings instead of the environment's: for a worker
    started inside another program (the test suite). The web app never calls it."""
    celery_app.conf.update(worker_config(settings))
    _worker.settings = settings


@worker_process_init.connect
def open_worker_process(**_: object) -> None:
    _worker.open()


@worker_process_shutdown.connect
def close_worker_process(**_: object) -> None:
    _worker.close()


def run_in_worker(work: Callable[[async_sessionmaker[AsyncSession]], Coroutine[Any, Any, T]]) -> T:
    """Run `work` on this process's event loop with its sessions (opened on first use where no
    worker_process_init came: the solo pool, eager mode)."""
    loop, session_factory = _worker.open()
    return loop.run_until_complete(work(session_factory))


@celery_app.task(
    name="outbox.deliver",
    ignore_result=True,
    # The database is restarting or unreachable: try again, waiting 1, 2, 4, ... s (jittered,
    # at most 5 minutes apart), then give up.
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def deliver_task(message_id: int, topic: str, payload: dict[str, Any]) -> None:
    """Do what an outbox message sets off (run a job, send a mail), as `delivery.py` says."""
    settings = worker_settings()
    run_in_worker(
        lambda session_factory: Delivery(settings, session_factory, MailSender(settings))(
            message_id, topic, payload
        )
    )


@celery_app.task(name="schedules.run", ignore_result=True)
def run_schedule_task(name: str) -> None:
    """One tick of a domain's schedule, sent by Celery beat (`celery ... beat`, of which the
    deployment runs exactly one)."""
    settings, schedule = worker_settings(), schedules()[name]
    run_in_worker(
        lambda session_factory: run_schedule(session_factory, settings, schedule, utc_now())
    )
