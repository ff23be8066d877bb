"""A throwaway Redis server for the tests: Debian's `redis-server` on a free port, in memory."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from .smtp_server import free_port


@contextmanager
def redis_server() -> Iterator[str]:
    """Start `redis-server` without persistence; yields its URL and stops it afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "The tests need Redis: install redis-server (Debian: apt-get install redis-server) "
            "or set TEST_REDIS_URL to a Redis database they may empty"
        )
    port = free_port()
    # In memory only: no snapshot, no append-only file.
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen([binary, *options], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        with Redis.from_url(url) as client:
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except RedisConnectionError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
