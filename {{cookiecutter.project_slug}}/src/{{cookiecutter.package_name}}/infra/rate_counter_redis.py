"""A rate counter in Redis, exact across workers and replicas: one script per request, which
Redis runs atomically, in one round trip."""

import math

from redis.asyncio import Redis

from .rate_limit import Count
from .redis import RedisOutage

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
    """When Redis cannot be reached, rate-limited requests fail with a 503 instead of going
    uncounted."""

    def __init__(self, redis: Redis, *, prefix: str = "rate-limit:") -> None:
        self.prefix = prefix
        # EVALSHA, and EVAL only the first time Redis does not know the script.
        self._count = redis.register_script(_COUNT)
        self._outage = RedisOutage()

    async def count(self, key: str, *, window_seconds: int) -> Count:
        async with self._outage.reaching_redis():
            used, left = await self._count(keys=[self.prefix + key], args=[window_seconds])
        return Count(int(used), max(1, math.ceil(int(left) / 1000)))
