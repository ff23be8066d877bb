"""Benchmark the default bake against ceilings measured in the same run.

    python -m bench.run            # full run (about 4.5 minutes on 2 cores)
    python -m bench.run --smoke    # a few seconds per scenario, to keep the harness working

Run it from the template repository with the test tools' venv (scripts/test.sh makes it) and
with nothing else busy on the machine. It needs wrk (Debian: apt-get install wrk) and
PostgreSQL's server binaries, as the tests do.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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
SERVER_LOG_FAILURES = re.compile(r"QueuePool limit|TimeoutError|Database unavailable|Traceback")


@dataclass
class Request:
    path: str
    method: str = "GET"
    body: str = ""
    content_type: str = ""
    authenticated: bool = True
    # Password hashing is CPU-bound: more connections than hashing slots only queue.
    connections: int | None = None


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
    ceiling: str | None = None
    ratio: float | None = None
    p99_ratio: float | None = None


@dataclass
class Settings:
    duration: int
    repeats: int
    warmup: int
    connections: int
    workers: int


def _wrk(
    base_url: str, request: Request, token: str, seconds: int, connections: int
) -> dict[str, int]:
    env = clean_environment(
        BENCH_METHOD=request.method,
        BENCH_BODY=request.body,
        BENCH_CONTENT_TYPE=request.content_type,
        BENCH_TOKEN=token if request.authenticated else "",
    )
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "wrk_script.lua"),
        f"{base_url}{request.path}",
    ]
    output = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    return json.loads(line.removeprefix("BENCH_RESULT "))


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


def measure(
    scenario: str,
    server_name: str,
    server: RunningServer,
    request: Request,
    token: str,
    settings: Settings,
) -> Result:
    connections = request.connections or settings.connections
    _wrk(server.base_url, request, token, settings.warmup, connections)
    # Several shorter measurements and their medians: one slow second moves a median less.
    runs = [
        _wrk(server.base_url, request, token, settings.duration, connections)
        for _ in range(settings.repeats)
    ]
    result = Result(
        scenario=scenario,
        server=server_name,
        requests_per_second=round(
            median(run["requests"] / (run["duration_us"] / 1_000_000) for run in runs), 1
        ),
        p50_ms=round(median(run["p50_us"] for run in runs) / 1000, 2),
        p99_ms=round(median(run["p99_us"] for run in runs) / 1000, 2),
        non_2xx=sum(run["non_2xx"] for run in runs),
        socket_errors=sum(
            run["connect_errors"] + run["read_errors"] + run["write_errors"] + run["timeouts"]
            for run in runs
        ),
        rss_mib_per_worker=_worker_rss_mib(server.process.pid),
    )
    print(f"  {scenario:<22} {server_name:<10} {result.requests_per_second:>9} req/s", flush=True)
    return result


@contextmanager
def serve(
    project: InstalledProject, name: str, command: list[str], env: dict[str, str], port: int
) -> Iterator[RunningServer]:
    log_path = RESULTS_DIR / f"{name}-server.log"  # kept for reading after the run
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with running_server(
        command, cwd=project.path, env=env, port=port, log_path=log_path, stop_timeout=60
    ) as server:
        yield server
    failures = SERVER_LOG_FAILURES.findall(log_path.read_text(errors="replace"))
    if failures:
        raise SystemExit(f"{name}: the server log reports {sorted(set(failures))}: {log_path}")


def _seed(api: httpx.Client, postgres: PostgresServer, database: str) -> tuple[str, int]:
    """Two users with TODOS_PER_USER todos each; returns the first user's token and a todo id."""
    tokens = []
    for n in (1, 2):
        email = f"bench{n}@example.com"
        api.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        ).raise_for_status()
        login = api.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
        tokens.append(login.raise_for_status().json()["access_token"])
    postgres.psql(
        "INSERT INTO todos (title, description, completed, owner_id, created_at, updated_at) "
        "SELECT 'todo number ' || g, 'a short description of todo ' || g, g % 3 = 0, u.id, "
        "now() - g * interval '1 minute', now() - g * interval '1 minute' "
        f"FROM users u CROSS JOIN generate_series(1, {TODOS_PER_USER}) g; ANALYZE",
        database,
    )
    page = api.get("/api/v1/todos", headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    return tokens[0], page["items"][0]["id"]


def run_benchmark(settings: Settings, workdir: Path) -> list[Result]:
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


def _run_scenarios(
    project: InstalledProject, postgres: PostgresServer, settings: Settings
) -> list[Result]:
    database_url = postgres.create_database("bench")
    database = database_url.rsplit("/", 1)[1]
    project.run("alembic", "upgrade", "head", DATABASE_URL=database_url)
    port = free_port()
    env = clean_environment(
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET_KEY,
        ENVIRONMENT="production",
        WEB_CONCURRENCY=str(settings.workers),
        BIND=f"127.0.0.1:{port}",
        PYTHONPATH=str(BENCH_DIR / "ceilings"),
    )
    gunicorn = [str(project.bin / "gunicorn"), "-c", "gunicorn_conf.py"]
    results: list[Result] = []

    with serve(project, "app", gunicorn, env, port) as app:
        with httpx.Client(base_url=app.base_url, timeout=30) as api:
            token, todo_id = _seed(api, postgres, database)
        list_page = Request("/api/v1/todos?limit=20")
        one_todo = Request(f"/api/v1/todos/{todo_id}")
        scenarios = {
            "GET /health": Request("/health", authenticated=False),
            # Authentication alone (token + user row): what every API request pays first.
            "GET /users/me": Request("/api/v1/users/me"),
            "GET /todos?limit=20": list_page,
            "GET /todos/{id}": one_todo,
            "POST /todos": Request(
                "/api/v1/todos", "POST", '{"title": "benchmark todo"}', "application/json"
            ),
            "POST /auth/token": Request(
                "/api/v1/auth/token",
                "POST",
                f"username=bench2%40example.com&password={PASSWORD.replace(' ', '+')}",
                "application/x-www-form-urlencoded",
                authenticated=False,
                connections=4 * settings.workers,
            ),
        }
        for name, request in scenarios.items():
            results.append(measure(name, "gunicorn", app, request, token, settings))

    with serve(project, "bare", [*gunicorn, "bare_app:app"], env, port) as bare:
        results.append(
            measure("GET /health", "bare", bare, scenarios["GET /health"], token, settings)
        )
    with serve(project, "thin", [*gunicorn, "thin_app:app"], env, port) as thin:
        for name in ("GET /users/me", "GET /todos?limit=20", "GET /todos/{id}"):
            results.append(measure(name, "thin", thin, scenarios[name], token, settings))

    uvicorn = [
        str(project.bin / "uvicorn"),
        "--factory",
        f"{project.package}.main:create_served_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(settings.workers),
        "--no-access-log",
    ]
    with serve(project, "uvicorn", uvicorn, env, port) as plain:
        results.append(measure("GET /todos?limit=20", "uvicorn", plain, list_page, token, settings))
    return _with_ratios(results)


def _with_ratios(results: list[Result]) -> list[Result]:
    by_key = {(r.scenario, r.server): r for r in results}
    ceilings = {
        ("GET /health", "gunicorn"): ("GET /health", "bare"),
        ("GET /users/me", "gunicorn"): ("GET /users/me", "thin"),
        ("GET /todos?limit=20", "gunicorn"): ("GET /todos?limit=20", "thin"),
        ("GET /todos/{id}", "gunicorn"): ("GET /todos/{id}", "thin"),
        ("GET /todos?limit=20", "uvicorn"): ("GET /todos?limit=20", "gunicorn"),
    }
    for key, ceiling_key in ceilings.items():
        result, ceiling = by_key[key], by_key[ceiling_key]
        result.ceiling = f"{ceiling.scenario} on {ceiling.server}"
        result.ratio = round(result.requests_per_second / ceiling.requests_per_second, 3)
        result.p99_ratio = round(result.p99_ms / ceiling.p99_ms, 2) if ceiling.p99_ms else None
    return results


TARGETS = [
    # (scenario, server, minimum req/s ratio, maximum p99 ratio)
    ("GET /health", "gunicorn", 0.90, 2.5),
    ("GET /todos?limit=20", "gunicorn", 0.70, 2.5),
    ("GET /todos/{id}", "gunicorn", 0.70, 2.5),
]


def target_verdicts(results: list[Result]) -> list[str]:
    by_key = {(r.scenario, r.server): r for r in results}
    verdicts = []
    for scenario, server, min_ratio, max_p99 in TARGETS:
        result = by_key[(scenario, server)]
        ok = (result.ratio or 0) >= min_ratio and (result.p99_ratio or 0) <= max_p99
        verdicts.append(
            f"{'PASS' if ok else 'MISS'} {scenario} on {server}: {result.ratio:.0%} of "
            f"{result.ceiling} (target >= {min_ratio:.0%}), p99 x{result.p99_ratio} "
            f"(target <= {max_p99})"
        )
    return verdicts


def markdown_table(results: list[Result]) -> str:
    header = (
        "| scenario | server | req/s | p50 ms | p99 ms | non-2xx | socket errors | "
        "vs ceiling | p99 vs ceiling | RSS/worker MiB |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
    )
    rows = [
        f"| {r.scenario} | {r.server} | {r.requests_per_second:.0f} | {r.p50_ms} | {r.p99_ms} "
        f"| {r.non_2xx} | {r.socket_errors} | "
        f"{f'{r.ratio:.0%} of {r.ceiling}' if r.ratio is not None else '-'} | "
        f"{f'x{r.p99_ratio}' if r.p99_ratio is not None else '-'} | {r.rss_mib_per_worker} |"
        for r in results
    ]
    return "\n".join([header, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2 s per scenario, 1 s warm-up")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "latest.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("error: wrk is needed (Debian: apt-get install wrk)")
    settings = Settings(
        duration=2 if args.smoke else args.duration,
        repeats=1 if args.smoke else args.repeats,
        warmup=1 if args.smoke else args.warmup,
        connections=args.connections,
        workers=args.workers,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        results = run_benchmark(settings, Path(workdir))
    table = markdown_table(results)
    verdicts = target_verdicts(results)
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
                "targets": verdicts,
            },
            indent=2,
        )
    )
    failed = [r for r in results if r.non_2xx or r.socket_errors]
    if failed:
        print(f"FAILED requests in: {[(r.scenario, r.server) for r in failed]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
