"""The one pure-ASGI layer in front of the app: load shedding, request ids with access logs,
a JSON 500 for a crash, security headers and the body size limit, in one pass and one
wrapper of `send`; constant answers (the liveness probe) go out from here."""

import logging
import re
import time
import uuid
from collections.abc import Mapping

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .body_limit import BodyLimit
from .logging import request_id_var
from .security_headers import add_security_headers, security_headers_for
from .shedding import LoadShedding

REQUEST_ID_HEADER = b"x-request-id"
# Accept ids from a proxy or caller only when they cannot inject anything into the logs.
_WELL_FORMED_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_READS = frozenset({"GET", "HEAD"})

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.error")


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == REQUEST_ID_HEADER:
            if _WELL_FORMED_REQUEST_ID.fullmatch(value):
                return bytes(value).decode()
            break
    return uuid.uuid4().hex


def _json_answer(body: bytes) -> tuple[Message, Message]:
    start: Message = {
        "type": "http.response.start",
        "status": status.HTTP_200_OK,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class EdgeMiddleware:
    """Requests to `exempt_paths` (probes) are never shed; successful ones to `quiet_paths`
    are not access-logged. A GET or HEAD of a path in `constant_json` is answered with that
    body here, without crossing the app: a liveness probe then says the worker answers, and
    costs next to nothing (the route of the same path declares it in the OpenAPI document)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        shedding: LoadShedding,
        body_limit: BodyLimit,
        access_log: bool = True,
        quiet_paths: frozenset[str] = frozenset(),
        exempt_paths: frozenset[str] = frozenset(),
        constant_json: Mapping[str, bytes] | None = None,
    ) -> None:
        self.app = app
        self.shedding = shedding
        self.body_limit = body_limit
        self.access_log = access_log
        self.quiet_paths = quiet_paths
        self.exempt_paths = exempt_paths
        self.constant = {path: _json_answer(body) for path, body in (constant_json or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in self.exempt_paths:
            await self._serve(scope, receive, send)
        elif not await self.shedding.enter():
            await self.shedding.refuse(send)
        else:
            try:
                await self._serve(scope, receive, send)
            finally:
                self.shedding.leave()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _request_id(scope)
        request_id_var.set(request_id)
        started = time.perf_counter()
        extra_headers = security_headers_for(scope)
        response_status = status.HTTP_500_INTERNAL_SERVER_ERROR
        response_started = False

        async def send_at_edge(message: Message) -> None:
            nonlocal response_status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                response_status = message["status"]
                headers = list(message.get("headers", ()))
                add_security_headers(headers, extra_headers)
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            constant = self.constant.get(scope["path"])
            if constant is not None and scope["method"] in _READS:
                start, body = constant
                await send_at_edge(start)
                await send(body if scope["method"] == "GET" else {**body, "body": b""})
            else:
                await self.body_limit.serve(self.app, scope, receive, send_at_edge)
        except Exception:
            error_logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise  # too late to answer; the server closes the connection
            crash = JSONResponse(
                {"detail": "Internal server error"},
                status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
            await crash(scope, receive, send_at_edge)
        finally:
            quiet = response_status < 400 and scope["path"] in self.quiet_paths
            if self.access_log and not quiet:
                self._log(scope, response_status, started)

    @staticmethod
    def _log(scope: Scope, response_status: int, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        client = scope.get("client")
        access_logger.info(
            "%s %s %s %.2fms",
            scope["method"],
            scope["path"],
            response_status,
            duration_ms,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": response_status,
                "duration_ms": duration_ms,
                "client": client[0] if client else None,
            },
        )
