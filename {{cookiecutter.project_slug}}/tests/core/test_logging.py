import json
import logging
import sys

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.logging import (
    JsonFormatter,
    RequestIdFilter,
    logging_config,
    request_id_var,
)


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "app.test", "levelname": "INFO", "msg": message})
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_request_id_and_extra_fields() -> None:
    record = _record("GET /health 200", status=200)
    token = request_id_var.set("req-9")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /health 200"
    assert line["request_id"] == "req-9"
    assert line["status"] == 200
    assert line["level"] == "INFO"


def test_json_lines_include_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_production_logs_json_and_development_logs_text(settings: Settings) -> None:
    production = logging_config(settings.model_copy(update={"environment": "production"}))
    development = logging_config(settings.model_copy(update={"environment": "development"}))
    assert production["formatters"]["default"] == {"()": JsonFormatter}
    assert "%(request_id)s" in development["formatters"]["default"]["format"]


def test_server_access_logs_are_replaced_by_the_apps(settings: Settings) -> None:
    loggers = logging_config(settings)["loggers"]
    assert loggers["uvicorn.access"] == {"handlers": [], "propagate": False}
    assert loggers["gunicorn.error"]["handlers"] == ["default"]
