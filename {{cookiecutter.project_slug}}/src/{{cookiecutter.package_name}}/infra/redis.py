"""The web process's Redis client: short time-outs, so a request never hangs on Redis; and
what a request that counts in Redis (a login, an account mail) answers while Redis cannot be
reached."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import status
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..core.config import Settings
from ..core.exceptions import DomainError

logger = logging.getLogger(__name__)

# Seconds a command waits for Redis before it fails (a login's then answers 503).
REDIS_TIMEOUT = 2.0


def open_redis(settings: Settings) -> "Redis":
    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )


class RedisUnavailableError(DomainError):
    """Redis, where requests are counted, cannot be reached: requests wait rather than go
    uncounted."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    detail = "Unavailable for a moment; retry later"
    headers = {"Retry-After": "5"}  # noqa: RUF012  # read-only, never mutated


class RedisOutage:
    """Logs once per outage (not once per request) that Redis cannot be reached and what
    follows from it, and once that it is back; `reaching_redis` turns a Redis error into a 503
    (RedisUnavailableError)."""

    def __init__(
        self, consequence: str = "logins and account mails answer 503 until it is back"
    ) -> None:
        self.consequence = consequence
        self._unreachable = False

    def failed(self, error: RedisError) -> None:
        if not self._unreachable:
            self._unreachable = True
            logger.error("Redis (REDIS_URL) cannot be reached, so %s: %s", self.consequence, error)

    def reached(self) -> None:
        if self._unreachable:
            self._unreachable = False
            logger.warning("Redis can be reached again: requests are served")

    @asynccontextmanager
    async def reaching_redis(self) -> AsyncIterator[None]:
        try:
            yield
        except RedisError as error:
            self.failed(error)
            raise RedisUnavailableError from error
        self.reached()
