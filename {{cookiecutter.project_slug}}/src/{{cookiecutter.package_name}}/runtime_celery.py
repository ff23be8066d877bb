"""The services of a bake with Celery: the outbox's jobs and mails are queued for a worker
(`worker.py`) through Redis, and failed logins, account mails and rate-limited requests are
counted in Redis, exact across workers and replicas."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .core.config import Settings
from .domains import permissions
from .infra.celery_app import enqueue, make_celery
from .infra.context import AppContext
from .infra.outbox.relay import Relay
from .infra.rate_counter_redis import RedisRateCounter
from .infra.rate_limit import RateLimits
from .infra.redis import open_redis
from .infra.throttle import MailLimits
from .infra.throttle_redis import RedisThrottle
from .worker import deliver_task


@dataclass(frozen=True, slots=True)
class CeleryHandOff:
    """Queues an outbox message for a worker; raises kombu's OperationalError while Redis
    cannot be reached (the message stays in the outbox for the next sweep)."""

    producer_app: Celery

    async def __call__(self, message_id: int, topic: str, payload: dict[str, Any]) -> None:
        # Publishing blocks on the broker's socket: keep it off the event loop.
        await asyncio.to_thread(
            enqueue, self.producer_app, deliver_task, message_id, topic, payload
        )


@asynccontextmanager
async def open_context(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AppContext]:
    producer_app = make_celery(settings)
    redis = open_redis(settings)

    async def ping_redis() -> None:
        await redis.ping()

    try:
        yield AppContext(
            settings=settings,
            session_factory=session_factory,
            login_throttle=RedisThrottle(
                redis,
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
            ),
            mail_limits=MailLimits(
                per_address=RedisThrottle(
                    redis,
                    max_failures=settings.mail_max_per_address,
                    window_seconds=settings.mail_window_seconds,
                    prefix="mails-per-address:",
                ),
                per_client=RedisThrottle(
                    redis,
                    max_failures=settings.mail_max_per_client,
                    window_seconds=settings.mail_window_seconds,
                    prefix="mails-per-client:",
                ),
            ),
            rate_limits=RateLimits.from_settings(settings, RedisRateCounter(redis)),
            outbox_relay=Relay(
                session_factory,
                CeleryHandOff(producer_app),
                lease_seconds=settings.outbox_lease_seconds,
                sweep_after_seconds=settings.outbox_sweep_seconds,
            ),
            permissions=permissions(),
            readiness_checks={"redis": ping_redis},
        )
    finally:
        await redis.aclose()
        producer_app.close()
