"""The Celery app: Redis as broker and result backend, JSON only, a job acknowledged only once
it has run. Start a worker with `celery --app {{ cookiecutter.package_name }}.jobs.celery_app worker`.

Settings are read when Celery first needs them, not at import (the web app imports the
tasks to queue them). Each worker process runs its tasks on one event loop of its own, with
its own database engine, made when the process starts and disposed of when it stops.
"""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from celery import Celery, Task
from celery.signals import setup_logging, worker_process_init, worker_process_shutdown
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ..core.config import Settings, get_settings
from ..core.db import create_db_engine
from ..core.logging import configure_logging

T = TypeVar("T")

celery_app = Celery("{{ cookiecutter.package_name }}", include=[f"{__package__}.tasks"])


def celery_config(settings: Settings) -> dict[str, Any]:
    redis_url = settings.redis_url.get_secret_value()
    return {
        "broker_url": redis_url,
        "result_backend": redis_url,
        # JSON only: a pickled message from whoever can write to Redis would run code.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # Acknowledged after the task ran, and put back when its worker process dies: a job
        # in flight when a worker is killed runs again instead of being lost.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # One message at a time per process, so none waits behind a long job while unacked.
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.job_soft_time_limit,
        "task_time_limit": settings.job_time_limit,
        # An unacknowledged message (its worker died without a word, e.g. SIGKILL or a lost
        # machine) goes back to the queue this many seconds after it was delivered: workers
        # look for such messages when they start and every 10 s (kombu's default is 100 s).
        "broker_transport_options": {
            "visibility_timeout": settings.job_visibility_timeout,
            "unacked_restore_throttle": 1,
        },
        "result_expires": settings.job_result_expire_seconds,
        "broker_connection_retry_on_startup": True,
    }


@celery_app.on_configure.connect
def _configure_from_environment(sender: Celery, **_: object) -> None:
    sender.config_from_object(celery_config(get_settings()))


@setup_logging.connect
def _log_like_the_app(**_: object) -> None:
    """The worker logs in the app's format and level (JSON lines in production) instead of
    Celery's own."""
    configure_logging(get_settings())


def use_settings(settings: Settings) -> None:
    """Point the Celery app at these settings' Redis instead of the environment's (the web
    app does, with the settings it was created with)."""
    celery_app.conf.update(celery_config(settings))
    _worker.settings = settings


def enqueue(task: "Task[..., Any]", *args: Any) -> None:
    """Queue `task(*args)`. Raises kombu's OperationalError when the broker cannot be reached.

    Each message goes over a connection of its own to the broker configured now: the web
    process queues a job or a mail now and then, so it keeps no idle connection to Redis in
    each worker, and a pooled connection cannot outlive a change of REDIS_URL.
    """
    with celery_app.connection_for_write() as connection:
        task.apply_async(args, producer=connection.Producer())


@dataclass
class _WorkerProcess:
    """The settings, event loop and database engine of one worker process."""

    settings: Settings | None = None
    loop: asyncio.AbstractEventLoop | None = None
    engine: AsyncEngine | None = None

    def open(self) -> tuple[asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]]:
        if self.loop is None or self.engine is None:
            self.loop = asyncio.new_event_loop()
            self.engine = create_db_engine(self.settings or get_settings())
        return self.loop, async_sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        if self.loop is None or self.engine is None:
            return
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()
        self.loop = self.engine = None


_worker = _WorkerProcess()


@worker_process_init.connect
def open_worker_process(**_: object) -> None:
    _worker.open()


@worker_process_shutdown.connect
def close_worker_process(**_: object) -> None:
    _worker.close()


def worker_settings() -> Settings:
    return _worker.settings or get_settings()


def run_in_worker(work: Callable[[async_sessionmaker[AsyncSession]], Coroutine[Any, Any, T]]) -> T:
    """Run `work` on this process's event loop with its sessions (opened on first use where no
    worker_process_init came: the solo pool, eager mode)."""
    loop, session_factory = _worker.open()
    return loop.run_until_complete(work(session_factory))
