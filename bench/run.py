"""Benchmark the default bake against ceilings measured in the same run, rounds interleaved.

    python -m bench.run            # full run (about 10 minutes on 2 cores)
    python -m bench.run --smoke    # a few seconds per scenario, to keep the harness working

Run it from the template repository with the test tools' venv (scripts/test.sh makes it) and
with nothing else busy on the machine. It needs wrk (Debian: apt-get install wrk) and
PostgreSQL's server binaries, as the tests do.

Every server runs for the whole benchmark (only one is loaded at a time). Each round measures,
scenario by scenario, the app and its ceilings back to back, in alternating order, so that the
machine's drift falls on both sides of a ratio; a ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import httpx

from tests.baked_project import TEST_SECRET_KEY, InstalledProject
from tests.harness import RunningServer, clean_environment, running_server
from tests.postgres import ADMIN_URL_ENV, PostgresCluster, PostgresServer, free_port

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PASSWORD = "benchmark password 1234"
TODOS_PER_USER = 1000
# The owner of many, for how a list's cost grows with its length.
TODOS_OF_THE_LONG_LIST = 100_000
SERVER_LOG_FAILURES = re.compile(r"QueuePool limit|TimeoutError|Database unavailable|Traceback")
APP = "gunicorn"
# Each paired scenario and the ceilings the app is compared with; the first one is the target's.
PAIRED = {
    "GET /health": ("bare",),
    "GET /users/me": ("thin", "thin-asyncpg"),
    "GET /todos?limit=20": ("thin", "thin-asyncpg"),
    "GET /todos/{id}": ("thin", "thin-asyncpg"),
    "POST /todos": ("thin", "thin-asyncpg"),
}
CEILING_APPS = {
    "bare": "bare_app:app",
    "thin": "thin_app:app",
    "thin-asyncpg": "thin_async_app:app",
}
# RSS is read this long after the last scenario, once the requests still in flight when wrk
# stopped (logins, each holding Argon2's 19 MiB while it hashes) have been answered.
RSS_SETTLE_SECONDS = 3
# An answer this fast after the burst counts as "full speed again".
FAST_ANSWER_MS = 100


@dataclass
class Request:
    path: str
    method: str = "GET"
    body: str = ""
    content_type: str = ""
    authenticated: bool = True
    # Password hashing is CPU-bound: more connections than hashing slots only queue.
    connections: int | None = None
    token: str | None = None  # another user's, instead of the reads' user
    # A window shorter than a few slow requests (a login takes most of a second under load)
    # may hold none of them.
    min_seconds: int = 0


@dataclass
class Result:
    scenario: str
    server: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    rss_mib_per_worker: float
    rounds: int = 1
    # Against each ceiling: the median of the rounds' req/s ratios, its range, and the median
    # of the rounds' p99 ratios.
    vs: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class Overload:
    connections: int
    seconds: int
    requests: int
    statuses: dict[str, int]
    p99_ms: float
    max_ms: float
    over_2s: int
    socket_errors: int
    health_probes: int
    health_failures: int
    health_p99_ms: float
    health_max_ms: float
    # When the slowest probe was sent, in seconds from the start of the burst.
    health_slowest_at_s: float
    seconds_to_fast_answer: float


@dataclass
class Growth:
    """One page of a list of `rows` todos: the first, or the last by offset or by cursor."""

    rows: int
    page: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


@dataclass
class Settings:
    duration: int
    rounds: int
    warmup: int
    connections: int
    workers: int
    overload_connections: int
    overload_seconds: int


def _wrk(
    base_url: str,
    request: Request,
    token: str,
    seconds: int,
    connections: int,
    *,
    timeout: str = "10s",
    statuses: bool = False,
) -> dict[str, object]:
    env = clean_environment(
        BENCH_METHOD=request.method,
        BENCH_BODY=request.body,
        BENCH_CONTENT_TYPE=request.content_type,
        BENCH_TOKEN=(request.token or token) if request.authenticated else "",
        BENCH_STATUSES="1" if statuses else "",
    )
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        timeout,
        "-s",
        str(BENCH_DIR / "wrk_script.lua"),
        f"{base_url}{request.path}",
    ]
    output = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result: dict[str, object] = json.loads(line.removeprefix("BENCH_RESULT "))
    return result


def _rps(run: dict[str, object]) -> float:
    return int(run["requests"]) / (int(run["duration_us"]) / 1_000_000)


def _errors(run: dict[str, object]) -> int:
    keys = ("connect_errors", "read_errors", "write_errors", "timeouts")
    return sum(int(run[key]) for key in keys)


def _worker_rss_mib(master_pid: int) -> float:
    """Mean resident memory of the master's child processes (its workers)."""
    rss = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if int(fields.get("PPid", "0").strip()) == master_pid and "VmRSS" in fields:
            rss.append(int(fields["VmRSS"].split()[0]) / 1024)
    return round(sum(rss) / len(rss), 1) if rss else 0.0


@contextmanager
def serve(
    project: InstalledProject, name: str, command: list[str], env: dict[str, str]
) -> Iterator[RunningServer]:
    """Serve on a port of its own; fail if its log shows pool time-outs or crashes."""
    port = free_port()
    log_path = RESULTS_DIR / f"{name}-server.log"  # kept for reading after the run
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with running_server(
        command,
        cwd=project.path,
        env={**env, "BIND": f"127.0.0.1:{port}"},
        port=port,
        log_path=log_path,
        stop_timeout=60,
    ) as server:
        yield server
    failures = SERVER_LOG_FAILURES.findall(log_path.read_text(errors="replace"))
    if failures:
        raise SystemExit(f"{name}: the server log reports {sorted(set(failures))}: {log_path}")


def _seed(api: httpx.Client, postgres: PostgresServer, database: str) -> tuple[list[str], int]:
    """Two users with TODOS_PER_USER todos each, a third with TODOS_OF_THE_LONG_LIST; returns
    their tokens and a todo of the first."""
    tokens = []
    for n in (1, 2, 3):
        email = f"bench{n}@example.com"
        api.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        ).raise_for_status()
        form = {"grant_type": "password", "username": email, "password": PASSWORD}
        login = api.post("/api/v1/auth/token", data=form)
        tokens.append(login.raise_for_status().json()["access_token"])
    postgres.psql(
        "INSERT INTO todos (title, description, completed, owner_id, created_at, updated_at) "
        "SELECT 'todo number ' || g, 'a short description of todo ' || g, g % 3 = 0, u.id, "
        "now() - g * interval '1 minute', now() - g * interval '1 minute' "
        "FROM users u CROSS JOIN generate_series(1, CASE WHEN u.email = 'bench3@example.com' "
        f"THEN {TODOS_OF_THE_LONG_LIST} ELSE {TODOS_PER_USER} END) g; ANALYZE",
        database,
    )
    page = api.get("/api/v1/todos", headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    return tokens, page["items"][0]["id"]


def run_benchmark(settings: Settings, workdir: Path) -> tuple[list[Result], Overload, list[Growth]]:
    print("Baking and installing the default project ...", flush=True)
    project = InstalledProject.create(workdir, {})
    admin_url = os.environ.get(ADMIN_URL_ENV)
    postgres = PostgresServer(admin_url) if admin_url else PostgresCluster.create()
    try:
        return _run_scenarios(project, postgres, settings)
    finally:
        if isinstance(postgres, PostgresCluster):
            postgres.destroy()
        else:
            postgres.drop_created_databases()


def _scenarios(todo_id: int, writer_token: str, settings: Settings) -> dict[str, Request]:
    return {
        "GET /health": Request("/health", authenticated=False),
        # Authentication alone (token + user row): what every API request pays first.
        "GET /users/me": Request("/api/v1/users/me"),
        "GET /todos?limit=20": Request("/api/v1/todos?limit=20"),
        "GET /todos/{id}": Request(f"/api/v1/todos/{todo_id}"),
        # As the second user, so that the reads' data stays the same from round to round.
        "POST /todos": Request(
            "/api/v1/todos",
            "POST",
            '{"title": "benchmark todo"}',
            "application/json",
            token=writer_token,
        ),
        "POST /auth/token": Request(
            "/api/v1/auth/token",
            "POST",
            "grant_type=password&username=bench2%40example.com"
            f"&password={PASSWORD.replace(' ', '+')}",
            "application/x-www-form-urlencoded",
            authenticated=False,
            connections=4 * settings.workers,
            min_seconds=3,
        ),
    }


def _run_scenarios(
    project: InstalledProject, postgres: PostgresServer, settings: Settings
) -> tuple[list[Result], Overload, list[Growth]]:
    database_url = postgres.create_database("bench")
    database = database_url.rsplit("/", 1)[1]
    project.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
    env = clean_environment(
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET_KEY,
        ENVIRONMENT="production",
        WEB_CONCURRENCY=str(settings.workers),
        PYTHONPATH=str(BENCH_DIR / "ceilings"),
        # Every request is counted, as in production, but none is refused: one user's load
        # here is far past any real quota.
        RATE_LIMIT_API="1000000000/60",
        RATE_LIMIT_AUTH="1000000000/60",
    )
    gunicorn = [str(project.bin / "gunicorn"), "-c", "gunicorn_conf.py"]
    with ExitStack() as servers:
        commands = {APP: gunicorn, **{name: [*gunicorn, app] for name, app in CEILING_APPS.items()}}
        started = {
            name: servers.enter_context(serve(project, name, command, env))
            for name, command in commands.items()
        }
        with httpx.Client(base_url=started[APP].base_url, timeout=30) as api:
            (token, writer_token, long_list_token), todo_id = _seed(api, postgres, database)
            scenarios = _scenarios(todo_id, writer_token, settings)
            results = _interleaved_rounds(started, scenarios, token, settings)
            growth = [
                *measure_growth(api, token, TODOS_PER_USER, settings),
                *measure_growth(api, long_list_token, TODOS_OF_THE_LONG_LIST, settings),
            ]
        overload = measure_overload(started[APP], scenarios["GET /todos?limit=20"], token, settings)
    return results, overload, growth


def _interleaved_rounds(
    servers: dict[str, RunningServer],
    scenarios: dict[str, Request],
    token: str,
    settings: Settings,
) -> list[Result]:
    """Every scenario on the app and its ceilings, round after round; see the module's doc."""
    plan = [(name, (APP, *PAIRED.get(name, ()))) for name in scenarios]
    runs: dict[tuple[str, str], list[dict[str, object]]] = {}
    for round_number in range(settings.rounds):
        for name, server_names in plan:
            request = scenarios[name]
            connections = request.connections or settings.connections
            order = server_names if round_number % 2 == 0 else server_names[::-1]
            for server_name in order:
                base_url = servers[server_name].base_url
                if round_number == 0:
                    _wrk(base_url, request, token, settings.warmup, connections)
                seconds = max(settings.duration, request.min_seconds)
                run = _wrk(base_url, request, token, seconds, connections)
                runs.setdefault((name, server_name), []).append(run)
                print(
                    f"  round {round_number + 1} {name:<20} {server_name:<13} "
                    f"{_rps(run):>9.1f} req/s",
                    flush=True,
                )
    time.sleep(RSS_SETTLE_SECONDS)
    results = {
        key: Result(
            scenario=key[0],
            server=key[1],
            requests_per_second=round(median(_rps(run) for run in samples), 1),
            p50_ms=round(median(int(run["p50_us"]) for run in samples) / 1000, 2),
            p99_ms=round(median(int(run["p99_us"]) for run in samples) / 1000, 2),
            non_2xx=sum(int(run["non_2xx"]) for run in samples),
            socket_errors=sum(_errors(run) for run in samples),
            rss_mib_per_worker=_worker_rss_mib(servers[key[1]].process.pid),
            rounds=len(samples),
        )
        for key, samples in runs.items()
    }
    for name, ceilings in PAIRED.items():
        app_runs = runs[(name, APP)]
        for ceiling in ceilings:
            pairs = list(zip(app_runs, runs[(name, ceiling)], strict=True))
            ratios = [_rps(mine) / _rps(theirs) for mine, theirs in pairs]
            p99_ratios = [
                int(mine["p99_us"]) / max(1, int(theirs["p99_us"])) for mine, theirs in pairs
            ]
            results[(name, APP)].vs[ceiling] = {
                "ratio": round(median(ratios), 3),
                "low": round(min(ratios), 3),
                "high": round(max(ratios), 3),
                "p99_ratio": round(median(p99_ratios), 2),
            }
    return list(results.values())


def measure_growth(api: httpx.Client, token: str, rows: int, settings: Settings) -> list[Growth]:
    """The first page of a list of `rows`, and its last page by offset and by cursor."""
    headers = {"Authorization": f"Bearer {token}"}
    before_last = api.get(f"/api/v1/todos?limit=20&offset={rows - 40}", headers=headers)
    cursor = before_last.raise_for_status().json()["next_cursor"]
    pages = {
        "first": "/api/v1/todos?limit=20",
        "last by offset": f"/api/v1/todos?limit=20&offset={rows - 20}",
        "last by cursor": f"/api/v1/todos?limit=20&cursor={cursor}",
    }
    base_url = str(api.base_url).rstrip("/")
    growth = []
    for page, path in pages.items():
        request = Request(path)
        _wrk(base_url, request, token, settings.warmup, settings.connections)
        run = _wrk(base_url, request, token, settings.duration, settings.connections)
        growth.append(
            Growth(
                rows=rows,
                page=page,
                requests_per_second=round(_rps(run), 1),
                p50_ms=int(run["p50_us"]) / 1000,
                p99_ms=int(run["p99_us"]) / 1000,
                non_2xx=int(run["non_2xx"]),
            )
        )
        print(f"  {rows:>7} todos, {page:<15} {_rps(run):>9.1f} req/s", flush=True)
    return growth


def measure_overload(
    server: RunningServer, request: Request, token: str, settings: Settings
) -> Overload:
    """A burst of `overload_connections` on the list for `overload_seconds`, /health probed
    throughout; then how long until the list answers fast again."""
    probes: list[tuple[int, float, float]] = []  # status, milliseconds, sent at
    burst_over = threading.Event()
    burst_started = time.perf_counter()

    def probe_health() -> None:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            while not burst_over.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/health").status_code
                except httpx.HTTPError:
                    status = 0
                ended = time.perf_counter()
                probes.append((status, (ended - started) * 1000, started - burst_started))
                time.sleep(0.1)

    prober = threading.Thread(target=probe_health)
    prober.start()
    try:
        run = _wrk(
            server.base_url,
            request,
            token,
            settings.overload_seconds,
            settings.overload_connections,
            timeout="2s",  # wrk counts an answer slower than this as a time-out
            statuses=True,
        )
    finally:
        burst_over.set()
        prober.join()
    ended = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
        while True:
            started = time.perf_counter()
            response = client.get(request.path)
            if (
                response.status_code == 200
                and (time.perf_counter() - started) * 1000 < FAST_ANSWER_MS
            ):
                break
    health_ms = sorted(ms for _, ms, _ in probes)
    slowest = max(probes, key=lambda probe: probe[1], default=(0, 0.0, 0.0))
    return Overload(
        connections=settings.overload_connections,
        seconds=settings.overload_seconds,
        requests=int(run["requests"]),
        statuses={str(k): int(v) for k, v in dict(run["statuses"]).items()},
        p99_ms=int(run["p99_us"]) / 1000,
        max_ms=int(run["max_us"]) / 1000,
        over_2s=int(run["timeouts"]),
        socket_errors=_errors(run) - int(run["timeouts"]),
        health_probes=len(probes),
        health_failures=sum(1 for status, _, _ in probes if status != 200),
        health_p99_ms=round(health_ms[int(0.99 * (len(health_ms) - 1))], 1) if health_ms else 0,
        health_max_ms=round(health_ms[-1], 1) if health_ms else 0,
        health_slowest_at_s=round(slowest[2], 2),
        seconds_to_fast_answer=round(time.monotonic() - ended, 2),
    )


TARGETS = [
    # (scenario, ceiling, minimum req/s ratio, maximum p99 ratio)
    ("GET /health", "bare", 0.95, None),
    ("GET /users/me", "thin", 0.55, 2.0),
    ("GET /todos?limit=20", "thin", 0.55, 2.0),
    ("GET /todos/{id}", "thin", 0.55, 2.0),
    ("POST /todos", "thin", 0.45, None),
]
# Resident memory of a worker after the login scenario (Argon2 included).
MAX_RSS_MIB_PER_WORKER = 120


def target_verdicts(results: list[Result], overload: Overload) -> list[str]:
    by_key = {(r.scenario, r.server): r for r in results}
    verdicts = []
    for scenario, ceiling, min_ratio, max_p99 in TARGETS:
        versus = by_key[(scenario, APP)].vs[ceiling]
        ok = versus["ratio"] >= min_ratio and (max_p99 is None or versus["p99_ratio"] <= max_p99)
        p99 = "" if max_p99 is None else f", p99 x{versus['p99_ratio']} (target <= {max_p99})"
        verdicts.append(
            f"{'PASS' if ok else 'MISS'} {scenario}: {versus['ratio']:.0%} of {ceiling} "
            f"({versus['low']:.0%}-{versus['high']:.0%}; target >= {min_ratio:.0%}){p99}"
        )
    refused = {status: n for status, n in overload.statuses.items() if status not in {"200", "503"}}
    ok = (
        not refused
        and overload.over_2s == 0
        and overload.socket_errors == 0
        and overload.health_failures == 0
        and overload.health_max_ms < 100
        and overload.seconds_to_fast_answer <= 1
    )
    rss = by_key[("POST /auth/token", APP)].rss_mib_per_worker
    verdicts.append(
        f"{'PASS' if rss <= MAX_RSS_MIB_PER_WORKER else 'MISS'} RSS {rss} MiB a worker after "
        f"the logins (target <= {MAX_RSS_MIB_PER_WORKER})"
    )
    verdicts.append(
        f"{'PASS' if ok else 'MISS'} overload, {overload.connections} connections for "
        f"{overload.seconds} s: answers {overload.statuses}, {overload.over_2s} over 2 s, "
        f"{overload.socket_errors} socket errors, /health max {overload.health_max_ms} ms "
        f"over {overload.health_probes} probes ({overload.health_failures} failed; the slowest "
        f"sent {overload.health_slowest_at_s} s into the burst), "
        f"fast again after {overload.seconds_to_fast_answer} s"
    )
    return verdicts


def _versus(result: Result) -> str:
    return (
        "; ".join(
            f"{v['ratio']:.0%} ({v['low']:.0%}-{v['high']:.0%}) of {name}, p99 x{v['p99_ratio']}"
            for name, v in result.vs.items()
        )
        or "-"
    )


def markdown_table(results: list[Result]) -> str:
    header = (
        "| scenario | server | req/s | p50 ms | p99 ms | non-2xx | socket errors | "
        "vs ceilings (median of rounds, range) | RSS/worker MiB |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
    )
    rows = [
        f"| {r.scenario} | {r.server} | {r.requests_per_second:.0f} | {r.p50_ms} | {r.p99_ms} "
        f"| {r.non_2xx} | {r.socket_errors} | {_versus(r)} | {r.rss_mib_per_worker} |"
        for r in results
    ]
    return "\n".join([header, *rows])


def growth_table(growth: list[Growth]) -> str:
    header = (
        "| todos of the owner | page of 20 | req/s | p50 ms | p99 ms | non-2xx |\n"
        "| ---: | --- | ---: | ---: | ---: | ---: |"
    )
    rows = [
        f"| {g.rows:,} | {g.page} | {g.requests_per_second:.0f} | {g.p50_ms} | {g.p99_ms} "
        f"| {g.non_2xx} |"
        for g in growth
    ]
    return "\n".join([header, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2 s per measurement, 1 round")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--overload-connections", type=int, default=1024)
    parser.add_argument("--overload-seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "latest.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("error: wrk is needed (Debian: apt-get install wrk)")
    settings = Settings(
        duration=2 if args.smoke else args.duration,
        rounds=1 if args.smoke else args.rounds,
        warmup=1 if args.smoke else args.warmup,
        connections=args.connections,
        workers=args.workers,
        overload_connections=256 if args.smoke else args.overload_connections,
        overload_seconds=3 if args.smoke else args.overload_seconds,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        results, overload, growth = run_benchmark(settings, Path(workdir))
    table = f"{markdown_table(results)}\n\n{growth_table(growth)}"
    verdicts = target_verdicts(results, overload)
    command = "python -m bench.run" + (" --smoke" if args.smoke else "")
    print(f"\n{table}\n\n" + "\n".join(verdicts))
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs, {platform.python_version()} "
        f"tools, `{command}`, {settings}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "command": command,
                "settings": asdict(settings),
                "results": [asdict(result) for result in results],
                "overload": asdict(overload),
                "growth": [asdict(g) for g in growth],
                "targets": verdicts,
            },
            indent=2,
        )
    )
    failed = [(r.scenario, r.server) for r in results if r.non_2xx or r.socket_errors]
    failed += [(f"{g.rows} todos", g.page) for g in growth if g.non_2xx]
    if failed:
        print(f"FAILED requests in: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
