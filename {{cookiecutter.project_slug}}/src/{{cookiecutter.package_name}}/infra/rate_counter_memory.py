"""A rate counter in this process's memory."""

import math
import time
from collections import OrderedDict

from .rate_limit import Count


class MemoryRateCounter:
    """Counts requests per key in fixed windows, in the event loop's thread (no await between
    reading and writing a count, so no lock is needed).

    Each gunicorn worker keeps its own counts, so the effective limit is `quota x workers`;
    `background_jobs=celery` bakes count in Redis instead (and here while Redis is down).
    """

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        # key -> (when its window ends, on the monotonic clock; requests counted in it)
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    async def count(self, key: str, *, window_seconds: int) -> Count:
        now = time.monotonic()
        ends, used = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, used = now + window_seconds, 0
        self._windows[key] = (ends, used + 1)
        self._windows.move_to_end(key)
        if len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)  # forget the least recently counted key
        # `now + window - now` can come out a hair above `window` in floating point (the
        # further the monotonic clock is from zero, the likelier), so cap the rounded-up seconds.
        return Count(used + 1, min(window_seconds, math.ceil(ends - now)))
