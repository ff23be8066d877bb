"""Prometheus metrics of a bake served by gunicorn with two workers: one scrape adds up both
workers, and workers killed and replaced leave no stale live gauge behind."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .baked_project import InstalledProject
from .conftest import variant
from .harness import RunningServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

TODO_ROUTE = "/api/v1/todos/{todo_id}"
TODO_LABELS = f'method="GET",route="{TODO_ROUTE}",status="401"'
# Enough requests that the kernel hands some to each worker; the loop stops once both served.
MAX_REQUESTS = 400

# Run with the bake's own Python: each worker's count of GET TODO_ROUTE, from its own file.
_COUNTS_PER_WORKER = """
import json, pathlib, sys
from prometheus_client.mmap_dict import MmapedDict
counts = {}
for path in pathlib.Path(sys.argv[1]).glob("counter_*.db"):
    pid = path.stem.removeprefix("counter_")
    for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
        name, sample, labels, _help = json.loads(key)
        if sample == "http_requests_total" and labels.get("route") == sys.argv[2]:
            counts[pid] = counts.get(pid, 0) + value
print(json.dumps(counts))
"""


def sample(metrics: str, name: str, labels: str = "") -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    selector = f"{name}{{{labels}}}" if labels else name
    found = re.search(rf"^{re.escape(selector)} (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def workers(server: RunningServer) -> set[int]:
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text()
    return {int(pid) for pid in children.split()}


def scrape(server: RunningServer) -> str:
    response = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


# Run with the bake's own Python: a previous run's counter file, as a worker leaves it.
_LEFTOVER_COUNT = """
import sys
from prometheus_client.metrics import Counter
Counter("http_requests", "", ["method", "route", "status"]).labels(*sys.argv[1:]).inc(1000)
"""


@pytest.fixture
def metrics_dir(project: InstalledProject, tmp_path: Path) -> Path:
    """PROMETHEUS_MULTIPROC_DIR, holding a previous run's count that the server must drop."""
    path = tmp_path / "prometheus"
    path.mkdir()
    project.run(
        "python",
        "-c",
        _LEFTOVER_COUNT,
        "GET",
        TODO_ROUTE,
        "401",
        PROMETHEUS_MULTIPROC_DIR=str(path),
    )
    assert list(path.glob("counter_*.db"))
    return path


@pytest.fixture
def server(
    project: InstalledProject, migrated_database: str, metrics_dir: Path
) -> Iterator[RunningServer]:
    """The bake under gunicorn with two workers, writing their metrics to `metrics_dir`."""
    with project.gunicorn(
        DATABASE_URL=migrated_database, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    ) as running:
        yield running


def test_one_scrape_adds_up_every_worker(
    project: InstalledProject, server: RunningServer, metrics_dir: Path
) -> None:
    counts: dict[str, float] = {}
    made = 0
    while len(counts) < 2 and made < MAX_REQUESTS:
        # A new connection each time, so that either worker may accept it.
        assert httpx.get(f"{server.base_url}/api/v1/todos/{made}").status_code == 401
        made += 1
        counts = json.loads(
            project.run("python", "-c", _COUNTS_PER_WORKER, str(metrics_dir), TODO_ROUTE).stdout
        )
    assert len(counts) == 2, f"one worker served all {made} requests"
    assert sum(counts.values()) == made
    assert sample(scrape(server), "http_requests_total", TODO_LABELS) == made
    assert sample(scrape(server), "http_request_duration_seconds_count", TODO_LABELS) == made


def _start_a_request_that_waits_for_its_body(server: RunningServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(
        b"POST /api/v1/auth/register HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    return connection


def _wait_for_new_workers(server: RunningServer, old: set[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = workers(server)
        if len(current) == 2 and not current & old:
            httpx.get(f"{server.base_url}/health", timeout=10).raise_for_status()
            return
        time.sleep(0.2)
    raise AssertionError(f"the workers were not replaced:\n{server.log()[-4000:]}")


def test_workers_killed_and_replaced_leave_no_stale_live_gauges(
    server: RunningServer, metrics_dir: Path
) -> None:
    httpx.get(f"{server.base_url}/api/v1/todos/1")
    stuck = _start_a_request_that_waits_for_its_body(server)
    deadline = time.monotonic() + 10
    while sample(scrape(server), "http_requests_in_flight") != 1:  # the stuck request
        assert time.monotonic() < deadline, scrape(server)
        time.sleep(0.1)
    old = workers(server)
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    _wait_for_new_workers(server, old)
    stuck.close()
    metrics = scrape(server)
    assert sample(metrics, "http_requests_in_flight") == 0
    assert sample(metrics, "db_pool_checked_out_connections") == 0
    # Counters outlive their workers: totals never go down.
    assert sample(metrics, "http_requests_total", TODO_LABELS) == 1
    assert not [
        path.name
        for path in metrics_dir.glob("gauge_live*")
        if int(path.stem.rsplit("_", 1)[1]) in old
    ]


def test_without_a_metrics_folder_a_temporary_one_is_made_and_removed(
    project: InstalledProject, migrated_database: str, tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with project.gunicorn(DATABASE_URL=migrated_database, TMPDIR=str(temporary)) as server:
        httpx.get(f"{server.base_url}/api/v1/todos/1")
        assert sample(scrape(server), "http_requests_total", TODO_LABELS) == 1
        [made] = temporary.glob("prometheus-multiproc-*")
        assert list(made.glob("counter_*.db"))
    assert not made.exists()
