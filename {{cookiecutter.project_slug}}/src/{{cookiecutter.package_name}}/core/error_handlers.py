"""Turn domain errors, database outages and HTTP errors into JSON `{"detail": ...}` answers
(OAuth2's errors have their own shape, `DomainError.body`).

Crashes are answered (and logged once) by the edge (core/edge.py).
"""

import logging
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from .db import DRIVER_CONNECTION_ERRORS
from .exceptions import DomainError
from .responses import with_headers_of_every_answer

logger = logging.getLogger(__name__)

# What FastAPI answers (as a 400) when a body is not UTF-8 or a form cannot be parsed.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(DomainError, exc)  # registered for DomainError only
    headers = with_headers_of_every_answer(request, exc.headers)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("Database unavailable: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "Service temporarily unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


async def _changed_meanwhile(_request: Request, _exc: Exception) -> JSONResponse:
    """A versioned row was changed by another request between this one's read and write."""
    detail = "The resource was changed by another request at the same time: fetch it again"
    return JSONResponse({"detail": detail}, status_code=status.HTTP_409_CONFLICT)


async def _http_error(request: Request, exc: Exception) -> Response:
    exc = cast(HTTPException, exc)  # registered for HTTPException only
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.detail == _UNPARSABLE_BODY:
        # Malformed input is a validation error like any other.
        body_error = {"type": "body_invalid", "loc": ["body"], "msg": "Unparsable request body"}
        return JSONResponse(
            {"detail": [body_error]},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            headers=with_headers_of_every_answer(request),
        )
    response = await http_exception_handler(request, exc)
    response.headers.update(with_headers_of_every_answer(request, response.headers))
    return response


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


async def _validation_error(request: Request, exc: Exception) -> Response:
    exc = cast(RequestValidationError, exc)  # registered for RequestValidationError only
    errors = [_without_input(error) for error in exc.errors()]
    return JSONResponse(
        {"detail": jsonable_encoder(errors)},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        headers=with_headers_of_every_answer(request),
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StaleDataError, _changed_meanwhile)
    for database_down in (
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        *DRIVER_CONNECTION_ERRORS,
    ):
        app.add_exception_handler(database_down, _database_unavailable)
