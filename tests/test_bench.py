"""The benchmark harness in smoke mode, so that it cannot rot; its numbers mean nothing here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .harness import TEMPLATE_ROOT, clean_environment, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bench")]

SCENARIOS = {
    ("GET /health", "gunicorn"),
    ("GET /health", "bare"),
    *(
        (read, server)
        for read in ("GET /users/me", "GET /todos?limit=20", "GET /todos/{id}")
        for server in ("gunicorn", "thin", "thin-asyncpg")
    ),
    ("POST /todos", "gunicorn"),
    ("POST /todos", "thin"),
    ("POST /todos", "thin-asyncpg"),
    ("POST /auth/token", "gunicorn"),
}


def test_benchmark_smoke_run_measures_every_scenario_without_failures(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    result = run(
        [sys.executable, "-m", "bench.run", "--smoke", "--json", str(report)],
        cwd=TEMPLATE_ROOT,
        env=clean_environment(),
        timeout=600,
    )
    assert "| scenario | server | req/s |" in result.stdout
    results = json.loads(report.read_text())["results"]
    assert {(r["scenario"], r["server"]) for r in results} == SCENARIOS
    for measured in results:
        assert measured["requests_per_second"] > 0, measured
        assert measured["non_2xx"] == 0, measured
        assert measured["socket_errors"] == 0, measured
        assert measured["rss_mib_per_worker"] > 0, measured
    app_reads = [r for r in results if r["server"] == "gunicorn" and r["vs"]]
    assert {r["scenario"] for r in app_reads} == {
        "GET /health",
        "GET /users/me",
        "GET /todos?limit=20",
        "GET /todos/{id}",
        "POST /todos",
    }
    growth = json.loads(report.read_text())["growth"]
    assert [(g["rows"], g["page"]) for g in growth] == [
        (rows, page)
        for rows in (1_000, 100_000)
        for page in ("first", "last by offset", "last by cursor")
    ]
    assert all(g["requests_per_second"] > 0 and g["non_2xx"] == 0 for g in growth), growth
    overload = json.loads(report.read_text())["overload"]
    assert overload["requests"] > 0
    assert set(overload["statuses"]) <= {"200", "503"}, overload
    assert overload["health_probes"] > 0
    assert overload["health_failures"] == 0
