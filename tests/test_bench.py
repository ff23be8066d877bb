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
    ("GET /users/me", "gunicorn"),
    ("GET /users/me", "thin"),
    ("GET /todos?limit=20", "gunicorn"),
    ("GET /todos/{id}", "gunicorn"),
    ("POST /todos", "gunicorn"),
    ("POST /auth/token", "gunicorn"),
    ("GET /health", "bare"),
    ("GET /todos?limit=20", "thin"),
    ("GET /todos/{id}", "thin"),
    ("GET /todos?limit=20", "uvicorn"),
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
