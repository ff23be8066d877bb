"""Turn domain errors, database outages and HTTP errors into JSON `{"detail": ...}` answers.

Crashes are answered (and logged once) by RequestContextMiddleware.
"""

import logging
import re
from typing import cast

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from .db import DRIVER_CONNECTION_ERRORS
from .exceptions import DomainError

logger = logging.getLogger(__name__)

# What FastAPI answers (as a 400) when a body is not UTF-8 or a form cannot be parsed.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(DomainError, exc)  # registered for DomainError only
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("Database unavailable: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "Service temporarily unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def _allowed_methods(request: Request) -> str:
    """Every documented method of this path; Starlette would name only one route's."""
    table: list[tuple[re.Pattern[str], str]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        # Fewest parameters first: `/todos/export` before `/todos/{todo_id}`, which the
        # document writes without the `:int` that keeps "export" out of it.
        paths = sorted(request.app.openapi()["paths"].items(), key=lambda item: item[0].count("{"))
        table = [
            (compile_path(path)[0], ", ".join(sorted(method.upper() for method in operations)))
            for path, operations in paths
        ]
        request.app.state.allowed_methods = table
    return next((methods for regex, methods in table if regex.match(request.url.path)), "")


async def _http_error(request: Request, exc: Exception) -> Response:
    exc = cast(HTTPException, exc)  # registered for HTTPException only
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.detail == _UNPARSABLE_BODY:
        # Malformed input is a validation error like any other.
        body_error = {"type": "body_invalid", "loc": ["body"], "msg": "Unparsable request body"}
        return JSONResponse(
            {"detail": [body_error]}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        exc.headers = {**(exc.headers or {}), "Allow": _allowed_methods(request)}
    return await http_exception_handler(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    exc = cast(RequestValidationError, exc)  # registered for RequestValidationError only
    try:
        return await request_validation_exception_handler(request, exc)
    except ValueError:
        # Python's JSON parser reads NaN and Infinity, which JSON has not; an error that
        # echoes such an input back cannot be written as JSON, so it goes without it.
        errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
        return JSONResponse(
            {"detail": jsonable_encoder(errors)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for database_down in (
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        *DRIVER_CONNECTION_ERRORS,
    ):
        app.add_exception_handler(database_down, _database_unavailable)
