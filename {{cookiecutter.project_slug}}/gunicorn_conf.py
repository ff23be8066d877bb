"""Gunicorn settings, every one overridable from the environment.

Run: gunicorn -c gunicorn_conf.py   (the app comes from `wsgi_app` below)
"""

import multiprocessing
import os
{%- if cookiecutter.observability != "none" %}
import shutil
{%- endif %}
import sys
{%- if cookiecutter.observability != "none" %}
import tempfile
from pathlib import Path
{%- endif %}
from typing import Any

from {{ cookiecutter.package_name }}.core.config import ConfigurationError, load_settings
from {{ cookiecutter.package_name }}.core.logging import logging_config

MAX_DEFAULT_WORKERS = 8


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _default_workers() -> int:
    # One worker per core is right for an async worker; cap it so a big host
    # does not open more database connections than PostgreSQL allows.
    return max(2, min(multiprocessing.cpu_count(), MAX_DEFAULT_WORKERS))


_host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104  # a container must listen on all interfaces
_port = _int_env("PORT", 8000)

# gunicorn calls the factory in each worker; `main` itself does nothing when imported.
wsgi_app = "{{ cookiecutter.package_name }}.main:create_served_app()"
bind = os.environ.get("BIND") or f"{_host}:{_port}"
workers = _int_env("WEB_CONCURRENCY", _default_workers())
worker_class = "{{ cookiecutter.package_name }}.infra.gunicorn_worker.Worker"
timeout = _int_env("TIMEOUT", 60)
graceful_timeout = _int_env("GRACEFUL_TIMEOUT", 30)
keepalive = _int_env("KEEP_ALIVE", 5)
# Logging follows the app's settings (LOG_LEVEL, and JSON lines in production). The app
# writes the access log itself, one line per request with its request id (ACCESS_LOG).
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Gunicorn 27's control socket sits at one path per OS user, so instances of the same user
# take it over from each other; it is also a way to stop the server that nobody audits.
control_socket_disable = True


def _logging_config_or_exit() -> dict[str, Any]:
    """Refuse to start on a bad configuration: one clear line, not a traceback per worker."""
    try:
        return logging_config(load_settings())
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)


logconfig_dict = _logging_config_or_exit()
{%- if cookiecutter.observability != "none" %}

# Prometheus multiprocess mode: every worker writes its metrics to files in this folder and
# GET /metrics adds them up. Set here, before any worker is forked (or prometheus_client
# imported), so every worker inherits it; without PROMETHEUS_MULTIPROC_DIR a fresh temporary
# folder is used and removed at exit.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_TEMPORARY_PREFIX = "prometheus-multiproc-"
if METRICS_DIR_VARIABLE not in os.environ:
    os.environ[METRICS_DIR_VARIABLE] = tempfile.mkdtemp(prefix=_TEMPORARY_PREFIX)
_metrics_dir = Path(os.environ[METRICS_DIR_VARIABLE])
# Made above, by this start or by an earlier reading of this file (gunicorn reads it again on
# SIGHUP, and the variable is set by then).
_metrics_dir_is_temporary = _metrics_dir.match(f"{tempfile.gettempdir()}/{_TEMPORARY_PREFIX}*")


def on_starting(_server: Any) -> None:
    """Start counting from zero: the files of a previous run would be added to this one's."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    """A worker that exited (or was killed and replaced) leaves no live gauge behind; its
    counters stay, so totals never go down."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(_metrics_dir))


def on_exit(_server: Any) -> None:
    if _metrics_dir_is_temporary:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
{%- endif %}
