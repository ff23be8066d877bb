"""A throttle that counts failures in Redis, so the limit holds across workers and replicas."""

import math
import time
import uuid

from redis.asyncio import Redis

from .redis import RedisOutage


class RedisThrottle:
    """Each key is a sorted set of its last `max_failures` failure times, expiring with the
    window. The times are the web hosts' clocks: keep them in sync (NTP).

    When Redis cannot be reached, attempts fail with a 503 instead of going unthrottled.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        max_failures: int,
        window_seconds: float,
        prefix: str = "login-failures:",
    ) -> None:
        self.redis = redis
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.prefix = prefix
        self._outage = RedisOutage()

    async def retry_after(self, key: str) -> int:
        now = time.time()
        async with self._outage.reaching_redis(), self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(self.prefix + key, "-inf", now - self.window_seconds)
            pipe.zrange(self.prefix + key, 0, 0, withscores=True)
            pipe.zcard(self.prefix + key)
            _, oldest, failures = await pipe.execute()
        if failures < self.max_failures:
            return 0
        [(_, first_failure)] = oldest
        return max(1, round(float(first_failure) + self.window_seconds - now))

    async def record_failure(self, key: str) -> None:
        now = time.time()
        async with self._outage.reaching_redis(), self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.prefix + key, {f"{now}:{uuid.uuid4().hex}": now})
            # Only the last max_failures count, as in a window that slides.
            pipe.zremrangebyrank(self.prefix + key, 0, -self.max_failures - 1)
            pipe.expire(self.prefix + key, math.ceil(self.window_seconds))
            await pipe.execute()

    async def reset(self, key: str) -> None:
        async with self._outage.reaching_redis():
            await self.redis.delete(self.prefix + key)
