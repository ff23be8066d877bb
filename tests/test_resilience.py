"""The baked service under real failures: a database outage, and SIGTERM in the middle of writes.

One default bake is installed for the module, and it runs against a private PostgreSQL
cluster of its own (never the shared `postgres` fixture): these tests stop the server.
Everything here is a real process: gunicorn with the project's `gunicorn_conf.py` and two
uvicorn workers, `pg_ctl`, `psql`.

To be sure every worker is exercised (keep-alive pins a client to one worker, and which worker
accepts a new connection is the kernel's choice), a response is traced to the worker process
that holds the server side of its TCP connection, through /proc.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .baked_project import PASSWORD, TEST_SECRET_KEY, InstalledProject, register_and_login
from .harness import RunningServer
from .postgres import PostgresCluster

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("resilience")]

WORKERS = 2
GRACEFUL_TIMEOUT = 30
# A database outage must be answered promptly, not after a hang.
OUTAGE_ANSWER_BOUND = 15.0
RECOVERY_BOUND = 30.0


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledProject:
    return InstalledProject.create(tmp_path_factory.mktemp("resilience"), {})


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster that these tests may stop and start."""
    cluster = PostgresCluster.create()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def migrated_database(installed: InstalledProject, cluster: PostgresCluster) -> str:
    url = cluster.create_database("resilience")
    installed.run("alembic", "upgrade", "head", DATABASE_URL=url)
    return url


# --- gunicorn, with its process and workers in reach -----------------------------------------


@dataclass(frozen=True)
class Gunicorn(RunningServer):
    """A running gunicorn whose workers can be found, and a response traced to one."""

    def workers(self) -> set[int]:
        """The pids of the master's children (its workers)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # exited meanwhile
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def wait_for_workers(self, count: int = WORKERS, timeout: float = 30) -> set[int]:
        deadline = time.monotonic() + timeout
        while len(workers := self.workers()) != count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} workers, found {workers}\n{self.log()}")
            time.sleep(0.1)
        return workers

    def worker_serving(self, response: httpx.Response) -> int:
        """The worker holding the server side of the connection `response` came on."""
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        inode = _server_socket_inode(self.port, client_port)
        for pid in self.workers():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        raise AssertionError(f"no worker holds the connection from port {client_port}")


def _server_socket_inode(server_port: int, client_port: int) -> str:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        local_port = int(columns[1].rsplit(":", 1)[1], 16)
        remote_port = int(columns[2].rsplit(":", 1)[1], 16)
        if (local_port, remote_port) == (server_port, client_port):
            return columns[9]
    raise AssertionError(f"no server-side socket for 127.0.0.1:{client_port}")


@contextmanager
def gunicorn(project: InstalledProject, database_url: str, **env: str) -> Iterator[Gunicorn]:
    """`InstalledProject.gunicorn` in production mode, with the worker-tracing helpers above."""
    # No rate limits unless a test sets them: the load here is one user's, far past them.
    limits = {"RATE_LIMIT_API": "0", "RATE_LIMIT_AUTH": "0"}
    with project.gunicorn(
        WEB_CONCURRENCY=str(WORKERS),
        DATABASE_URL=database_url,
        ENVIRONMENT="production",
        SECRET_KEY=TEST_SECRET_KEY,
        **{**limits, **env},
    ) as server:
        yield Gunicorn(process=server.process, port=server.port, log_path=server.log_path)


@contextmanager
def client_per_worker(
    server: Gunicorn, headers: dict[str, str] | None = None
) -> Iterator[dict[int, httpx.Client]]:
    """One keep-alive client connected to each worker, keyed by the worker's pid."""
    workers = server.wait_for_workers()
    clients: dict[int, httpx.Client] = {}
    deadline = time.monotonic() + 30
    with ExitStack() as stack:
        while set(clients) != workers:
            assert time.monotonic() < deadline, (
                f"could not reach every worker of {workers}; reached {set(clients)}"
            )
            client = stack.enter_context(
                httpx.Client(base_url=server.base_url, headers=headers, timeout=30)
            )
            response = client.get("/health")
            assert response.status_code == 200, response.text
            clients.setdefault(server.worker_serving(response), client)
        yield clients


# --- 1. the database goes away and comes back ------------------------------------------------


def timed(
    call: Callable[..., httpx.Response], *args: object, **kwargs: object
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response, elapsed: float, what: str) -> None:
    assert response.status_code == 503, f"{what}: {response.status_code} {response.text}"
    assert elapsed < OUTAGE_ANSWER_BOUND, f"{what} took {elapsed:.1f} s"
    assert response.headers["content-type"].startswith("application/json"), what
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


def test_database_outage_answers_503_and_recovers_without_restart(
    installed: InstalledProject, cluster: PostgresCluster, migrated_database: str
) -> None:
    # Each worker's client stays on its connection however long the other's calls take.
    with gunicorn(installed, migrated_database, KEEP_ALIVE="60") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as api:
            auth = register_and_login(api, "outage@example.com")
            before = api.post("/api/v1/todos", headers=auth, json={"title": "made before"})
            assert before.status_code == 201, before.text
        workers = server.wait_for_workers()

        cluster.stop()
        try:
            with client_per_worker(server, headers=auth) as clients:
                for pid, client in clients.items():
                    for attempt in range(3):
                        where = f"worker {pid}, attempt {attempt}"
                        live = client.get("/health")
                        assert live.status_code == 200, f"{where}: {live.text}"
                        assert server.worker_serving(live) == pid

                        ready, elapsed = timed(client.get, "/health/ready")
                        assert_unavailable(ready, elapsed, f"GET /health/ready on {where}")
                        assert "detail" in ready.json()
                        assert ready.json()["status"] == "unavailable"

                        listed, elapsed = timed(client.get, "/api/v1/todos")
                        assert_unavailable(listed, elapsed, f"GET /api/v1/todos on {where}")
                        assert set(listed.json()) == {"detail"}
                        assert isinstance(listed.json()["detail"], str)

                        created, elapsed = timed(
                            client.post, "/api/v1/todos", json={"title": "during the outage"}
                        )
                        assert_unavailable(created, elapsed, f"POST /api/v1/todos on {where}")
                        assert set(created.json()) == {"detail"}
                        assert server.worker_serving(created) == pid
        finally:
            cluster.start()

        deadline = time.monotonic() + RECOVERY_BOUND
        with client_per_worker(server, headers=auth) as clients:
            for pid, client in clients.items():
                while (ready := client.get("/health/ready")).status_code != 200:
                    assert ready.status_code == 503, ready.text
                    assert time.monotonic() < deadline, (
                        f"worker {pid} not ready {RECOVERY_BOUND} s after the database came back"
                    )
                    time.sleep(0.25)
                assert ready.json()["database"] == "ok"
                listed = client.get("/api/v1/todos")
                assert listed.status_code == 200, listed.text
                assert before.json()["id"] in [item["id"] for item in listed.json()["items"]]
                after = client.post("/api/v1/todos", json={"title": f"after, on {pid}"})
                assert after.status_code == 201, after.text
                assert server.worker_serving(after) == pid

        # The same master and the same workers served through the outage: nothing restarted.
        assert server.process.poll() is None, server.log()
        assert server.wait_for_workers() == workers, server.log()
        log = server.log()
        assert "Traceback" not in log, log

    database = migrated_database.rsplit("/", 1)[1]
    titles = cluster.psql("SELECT title FROM todos ORDER BY id", database).splitlines()
    assert titles[0] == "made before"
    assert "during the outage" not in titles
    assert len(titles) == 1 + WORKERS


# --- 2. SIGTERM while clients are writing ----------------------------------------------------

WRITERS = 8
MAX_REQUESTS_PER_WRITER = 2000
LOAD_BEFORE_SIGNAL = 1.5
WRITER_DEADLINE = 20.0
MIN_ACKNOWLEDGED_BEFORE_SIGNAL = 20


@dataclass(frozen=True)
class Outcome:
    title: str
    started: float
    finished: float
    status: int | None = None  # the HTTP status, when an answer came back
    error: str | None = None  # the transport error's class, when none came back

    @property
    def never_connected(self) -> bool:
        """Refused at connect: the request never reached the server at all."""
        return self.error == "ConnectError"


def write_todos(
    writer: int, base_url: str, auth: dict[str, str], outcomes: list[Outcome], stop_at: float
) -> None:
    with httpx.Client(base_url=base_url, headers=auth, timeout=20) as client:
        for n in range(MAX_REQUESTS_PER_WRITER):
            if time.monotonic() > stop_at:
                return
            title = f"w{writer}-{n}"
            started = time.monotonic()
            try:
                response = client.post("/api/v1/todos", json={"title": title})
            except httpx.TransportError as exc:
                # ConnectError: refused, nothing sent. Anything else (ReadError,
                # RemoteProtocolError, WriteError, ReadTimeout) came after the request
                # was (perhaps partly) sent, on a new or a kept-alive connection.
                outcomes.append(Outcome(title, started, time.monotonic(), error=type(exc).__name__))
                if isinstance(exc, httpx.ConnectError):
                    return  # the server no longer accepts connections
                continue
            finished = time.monotonic()
            if response.status_code == 201:
                assert response.json()["title"] == title
            outcomes.append(Outcome(title, started, finished, status=response.status_code))


def test_sigterm_during_writes_loses_no_acknowledged_request(
    installed: InstalledProject, cluster: PostgresCluster, migrated_database: str
) -> None:
    with gunicorn(installed, migrated_database, GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT)) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as api:
            auth = register_and_login(api, "writer@example.com")
        with client_per_worker(server):
            pass  # both workers are up and accepting before the load starts

        outcomes: list[Outcome] = []  # list.append is atomic
        failures: list[BaseException] = []

        def writer(number: int) -> None:
            try:
                write_todos(number, server.base_url, auth, outcomes, stop_at)
            except BaseException as exc:
                failures.append(exc)

        stop_at = time.monotonic() + WRITER_DEADLINE
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        try:
            for thread in threads:
                thread.start()
            time.sleep(LOAD_BEFORE_SIGNAL)
            signalled_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
        finally:
            for thread in threads:
                thread.join(timeout=WRITER_DEADLINE + 30)
        assert not any(thread.is_alive() for thread in threads)
        assert not failures, failures

        exit_deadline = signalled_at + GRACEFUL_TIMEOUT + 10
        try:
            exit_code = server.process.wait(timeout=max(exit_deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            pytest.fail(f"gunicorn still running {GRACEFUL_TIMEOUT + 10} s after SIGTERM")
        log = server.log()
        exited_after = time.monotonic() - signalled_at
    assert exit_code == 0, log[-4000:]

    database = migrated_database.rsplit("/", 1)[1]
    stored = cluster.psql("SELECT title FROM todos", database).splitlines()
    assert len(stored) == len(set(stored)), "a title was stored twice"
    by_title = {outcome.title: outcome for outcome in outcomes}
    acknowledged = {o.title for o in outcomes if o.status == 201}
    in_flight = [o for o in outcomes if o.started < signalled_at < o.finished]
    counts = (
        f"{len(outcomes)} requests: {dict(Counter(o.error or o.status for o in outcomes))}; "
        f"{sum(o.never_connected for o in outcomes)} refused at connect, "
        f"{sum(o.error is not None and not o.never_connected for o in outcomes)} cut off "
        f"after sending; {len(in_flight)} in flight at SIGTERM "
        f"({sum(o.status == 201 for o in in_flight)} answered 201); "
        f"{sum(o.status == 201 and o.finished > signalled_at for o in outcomes)} 201s after "
        f"SIGTERM; {len(stored)} stored; master exited {exited_after:.1f} s after SIGTERM"
    )
    print(counts)  # shown by `pytest -rP`
    summary = f"{counts}\n{log[-3000:]}"

    # Before the signal everything succeeded, and enough did for the test to mean something;
    # the signal landed while requests were in flight.
    done_before = [o for o in outcomes if o.finished < signalled_at]
    assert all(o.status == 201 for o in done_before), summary
    assert len(done_before) >= MIN_ACKNOWLEDGED_BEFORE_SIGNAL, summary
    assert in_flight, summary

    # No acknowledged write is lost...
    lost = sorted(acknowledged - set(stored))
    assert not lost, f"answered 201 but not stored: {lost}\n{summary}"
    # ...and nothing was committed whose answer the client never got. A request reset while
    # still waiting in the listen backlog is fine precisely because it is not stored.
    unanswered = {title: by_title.get(title) for title in set(stored) - acknowledged}
    assert not unanswered, f"stored without a 201 reaching the client: {unanswered}\n{summary}"


# --- 3. a burst past what the workers take in ------------------------------------------------

IN_FLIGHT_LIMIT = 4
REFUSAL_WAIT = 0.25  # MAX_REQUEST_WAIT: how long a request past the limit waits for a place
BURST = 48
# Latencies as the test's client sees them, on 2 cores shared with the server, the test's own
# 48 threads and other suites beside it. The median says what the server does (here: refusals
# 0.28-0.45 s, /health 0.01 s, on an idle and on a loaded machine); the slowest only that none
# hung, since one starved thread can take a second more (CI saw a refusal take 1.08 s).
TYPICAL_SLACK = 0.5
WORST_SLACK = 2.0


def assert_prompt(latencies: list[float], floor: float, what: str) -> None:
    typical, worst = statistics.median(latencies), max(latencies)
    assert typical < floor + TYPICAL_SLACK, f"{what}: the median took {typical:.2f} s"
    assert worst < floor + WORST_SLACK, f"{what}: the slowest took {worst:.2f} s"


def test_a_burst_is_shed_with_fast_503s_while_health_answers_and_speed_returns(
    installed: InstalledProject, migrated_database: str
) -> None:
    """Logins (Argon2, a tenth of a second each) far past the in-flight limit: the workers take
    in what they can serve, refuse the rest at once with Retry-After, keep answering /health,
    and serve normally the moment the burst is over."""
    with gunicorn(
        installed,
        migrated_database,
        MAX_REQUESTS_IN_FLIGHT=str(IN_FLIGHT_LIMIT),
        MAX_REQUEST_WAIT=str(REFUSAL_WAIT),
    ) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            register_and_login(client, "burst@example.com")
        credentials = {
            "grant_type": "password",
            "username": "burst@example.com",
            "password": PASSWORD,
        }

        def login(_: int) -> tuple[httpx.Response, float]:
            with httpx.Client(base_url=server.base_url, timeout=30) as fresh:  # new connection
                return timed(fresh.post, "/api/v1/auth/token", data=credentials)

        health: list[tuple[httpx.Response, float]] = []
        burst_over = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as prober:
                while not burst_over.is_set():
                    health.append(timed(prober.get, "/health"))
                    time.sleep(0.05)

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            with ThreadPoolExecutor(BURST) as pool:
                answers = list(pool.map(login, range(BURST)))
        finally:
            burst_over.set()
            prober.join()

        statuses = Counter(response.status_code for response, _ in answers)
        assert set(statuses) <= {200, 503}, statuses
        assert statuses[200] > 0, statuses
        assert statuses[503] > 0, statuses
        refusals = [
            (response, elapsed) for response, elapsed in answers if response.status_code == 503
        ]
        for response, _ in refusals:
            assert response.headers["Retry-After"] == "1"
            assert response.json() == {"detail": "The server is busy; retry later"}
        assert_prompt([elapsed for _, elapsed in refusals], REFUSAL_WAIT, "a refusal")
        assert health, "no probe ran during the burst"
        assert all(response.status_code == 200 for response, _ in health)
        assert_prompt([elapsed for _, elapsed in health], 0, "/health")  # never waits

        after, _ = timed(httpx.post, f"{server.base_url}/api/v1/auth/token", data=credentials)
        assert after.status_code == 200, after.text
    assert "Traceback" not in server.log()
