"""The web process's Redis client: short time-outs, so a request never hangs on Redis."""

from redis.asyncio import Redis

from ..core.config import Settings

# Seconds a command waits for Redis before it fails (a login's then answers 503).
REDIS_TIMEOUT = 2.0


def open_redis(settings: Settings) -> "Redis":
    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )
