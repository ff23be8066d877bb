"""A rate counter in Redis, exact across workers and replicas: one script per request, which
Redis runs atomically, in one round trip."""

import math
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .rate_counter_memory import MemoryRateCounter
from .rate_limit import Count
from .redis import RedisOutage

# Seconds the counter counts in memory after Redis failed before it asks Redis again, so that
# an unreachable Redis costs one time-out per worker and pause, not one per request.
RETRY_REDIS_AFTER = 5.0

# One more request in the key's window; the window starts with its first request and ends
# when the key expires. Answers {requests counted, milliseconds left}.
_COUNT = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1]) * 1000
end
return {used, left}
"""


class RedisRateCounter:
    """While Redis cannot be reached, each worker counts in its own memory: the API stays up
    (a job committed to the outbox is still accepted) and limited, if only per worker.
    Logins, which guard passwords, fail closed instead (RedisThrottle)."""

    def __init__(self, redis: Redis, *, prefix: str = "rate-limit:") -> None:
        self.prefix = prefix
        # EVALSHA, and EVAL only the first time Redis does not know the script.
        self._count = redis.register_script(_COUNT)
        self._outage = RedisOutage("rate limits are counted in each worker until it is back")
        self._in_memory = MemoryRateCounter()
        self._retry_redis_at = 0.0

    async def count(self, key: str, *, window_seconds: int) -> Count:
        if time.monotonic() < self._retry_redis_at:
            return await self._in_memory.count(key, window_seconds=window_seconds)
        try:
            used, left = await self._count(keys=[self.prefix + key], args=[window_seconds])
        except RedisError as error:
            self._outage.failed(error)
            self._retry_redis_at = time.monotonic() + RETRY_REDIS_AFTER
            return await self._in_memory.count(key, window_seconds=window_seconds)
        self._outage.reached()
        return Count(int(used), max(1, math.ceil(int(left) / 1000)))
