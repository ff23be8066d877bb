"""A throwaway Redis for the tests: Debian's `redis-server` on a free port, in memory only."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .postgres import free_port


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(log: Path, port: int | None = None) -> Iterator[str]:
    """Debian's redis-server on `port` (a free one by default), in memory only; yields its
    URL. On a port given again, it comes back after a stop at the same URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (Debian: apt-get install redis-server)"
    port = port or free_port()
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with log.open("a") as output:
        process = subprocess.Popen([binary, *options], stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


# Deletes every key that matches ARGV[1].
_DELETE_MATCHING = "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end"


def forget_rate_limit_counts(url: str) -> None:
    """Delete the rate limits' counts (RATE_LIMIT_API, RATE_LIMIT_AUTH) kept in this Redis."""
    binary = shutil.which("redis-cli")
    assert binary, "redis-cli is needed (Debian: apt-get install redis-tools)"
    subprocess.run(
        [binary, "-u", url, "EVAL", _DELETE_MATCHING, "0", "rate-limit:*"],
        check=True,
        capture_output=True,
        timeout=10,
    )
