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

    def retry_after(self, key: str) -> int:
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

    def record_failure(self, key: str) -> None:
        with self._lock:
            failures = self._failures.setdefault(key, deque(maxlen=self.max_failures))
            failures.append(time.monotonic())
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)  # forget the least recently failing key

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
