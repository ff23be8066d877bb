"""Logging: JSON lines in production, readable lines elsewhere, each with its request id."""

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from .config import Settings

# Set once per request by the request-context middleware. uvicorn runs every request in its
# own task, and a task owns a copy of the context, so the value never leaks across requests.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `dictConfig` for the app and the server around it (gunicorn_conf.py uses it too)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if settings.environment == "production" else {"format": TEXT_FORMAT}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": settings.log_level},
        "loggers": {
            # The servers' own loggers write through the same handler, in the same format.
            **{
                name: {"handlers": ["default"], "propagate": False, "level": settings.log_level}
                for name in ("gunicorn.error", "uvicorn.error")
            },
            # The app writes one access line per request itself, with its request id.
            **{
                name: {"handlers": [], "propagate": False}
                for name in ("gunicorn.access", "uvicorn.access")
            },
        },
    }


def _skip_unused_record_fields() -> None:
    """Per the logging HOWTO's "Optimization" advice: do not collect, for every record,
    fields no line shows (the caller's frame, thread and process names)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(settings: Settings) -> None:
    _skip_unused_record_fields()
    logging.config.dictConfig(logging_config(settings))
