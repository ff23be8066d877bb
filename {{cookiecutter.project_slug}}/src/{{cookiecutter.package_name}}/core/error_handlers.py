"""Turn domain errors, database outages and HTTP errors into JSON `{"detail": ...}` answers.

Crashes are answered (and logged once) by RequestContextMiddleware.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
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


def _without_input(error: Mapping[str, Any]) -> dict[str, Any]:
    """A validation error fit to send back: its type, place and message, and of its context
    only the numbers (limits such as `min_length`, which quote the schema, not the input)."""
    # `input` goes always, not only for secret fields: a missing field's input is the whole
    # body (a login form, password included), and the client has what it sent anyway.
    safe = {key: value for key, value in error.items() if key not in {"input", "ctx"}}
    limits = {
        key: value
        for key, value in error.get("ctx", {}).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    return {**safe, "ctx": limits} if limits else safe


async def _validation_error(_request: Request, exc: Exception) -> Response:
    exc = cast(RequestValidationError, exc)  # registered for RequestValidationError only
    errors = [_without_input(error) for error in exc.errors()]
    return JSONResponse(
        {"detail": jsonable_encoder(errors)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
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
