{%- if cookiecutter.background_jobs == "celery" -%}
"""Throttle failed logins per account and client, so passwords cannot be guessed at speed."""

import math
import time
import uuid

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .exceptions import LoginThrottleUnavailableError


class LoginThrottle:
    """Counts recent failures per key in Redis, so the limit holds across every worker and
    replica. Each key is a sorted set of its last `max_failures` failure times, expiring with
    the window. The times are the web hosts' clocks: keep them in sync (NTP).

    When Redis cannot be reached, logins fail with a 503 instead of going unthrottled.
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

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        now = time.time()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self.prefix + key, "-inf", now - self.window_seconds)
                pipe.zrange(self.prefix + key, 0, 0, withscores=True)
                pipe.zcard(self.prefix + key)
                _, oldest, failures = await pipe.execute()
        except RedisError as error:
            raise LoginThrottleUnavailableError from error
        if failures < self.max_failures:
            return 0
        [(_, first_failure)] = oldest
        return max(1, round(float(first_failure) + self.window_seconds - now))

    async def record_failure(self, key: str) -> None:
        now = time.time()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self.prefix + key, {f"{now}:{uuid.uuid4().hex}": now})
                # Only the last max_failures count, as in a window that slides.
                pipe.zremrangebyrank(self.prefix + key, 0, -self.max_failures - 1)
                pipe.expire(self.prefix + key, math.ceil(self.window_seconds))
                await pipe.execute()
        except RedisError as error:
            raise LoginThrottleUnavailableError from error

    async def reset(self, key: str) -> None:
        try:
            await self.redis.delete(self.prefix + key)
        except RedisError as error:
            raise LoginThrottleUnavailableError from error
{%- else -%}
"""Throttle failed logins per account and client, so passwords cannot be guessed at speed."""

import threading
import time
from collections import OrderedDict, deque


class LoginThrottle:
    """Counts recent failures per key in memory.

    Each gunicorn worker keeps its own counts, so the effective limit is
    `max_failures x workers`; put a shared store behind this class to make it exact.
    """

    def __init__(self, *, max_failures: int, window_seconds: float, max_keys: int = 100_000):
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # sync endpoints run in a thread pool

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return 0
            while failures and failures[0] <= now - self.window_seconds:
                failures.popleft()
            if len(failures) < self.max_failures:
                return 0
            return max(1, round(failures[0] + self.window_seconds - now))

    async def record_failure(self, key: str) -> None:
        with self._lock:
            failures = self._failures.setdefault(key, deque(maxlen=self.max_failures))
            failures.append(time.monotonic())
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)  # forget the least recently failing key

    async def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
{%- endif %}
