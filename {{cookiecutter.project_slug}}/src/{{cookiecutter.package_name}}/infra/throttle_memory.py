"""A throttle that counts failures in this process's memory."""

import time
from collections import OrderedDict, deque


class MemoryThrottle:
    """Counts recent failures per key in memory, in the event loop's thread (no await between
    reading and writing the counts, so no lock is needed).

    Each gunicorn worker keeps its own counts, so the effective limit is
    `max_failures x workers`; `background_jobs=celery` bakes count in Redis instead.
    """

    def __init__(self, *, max_failures: int, window_seconds: float, max_keys: int = 100_000):
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    async def retry_after(self, key: str) -> int:
        now = time.monotonic()
        failures = self._failures.get(key)
        if failures is None:
            return 0
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if len(failures) < self.max_failures:
            return 0
        return max(1, round(failures[0] + self.window_seconds - now))

    async def record_failure(self, key: str) -> None:
        failures = self._failures.setdefault(key, deque(maxlen=self.max_failures))
        failures.append(time.monotonic())
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)  # forget the least recently failing key

    async def reset(self, key: str) -> None:
        self._failures.pop(key, None)
