"""Pure ASGI middleware: request ids with access logs, security headers, body size limit."""

import logging
import re
import time
import uuid

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logging import request_id_var

REQUEST_ID_HEADER = b"x-request-id"
# Accept ids from a proxy or caller only when they cannot inject anything into the logs.
_WELL_FORMED_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

TOO_LARGE_DETAIL = "Request body too large"

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.error")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class RequestContextMiddleware:
    """Tag each request with an id (header, logs), log one access line, and turn a crash
    into a JSON 500 that reveals nothing, logged once with its traceback and request id."""

    def __init__(
        self, app: ASGIApp, *, access_log: bool = True, quiet_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.quiet_paths = quiet_paths  # successful requests to these are not logged

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER)
        if incoming is not None and _WELL_FORMED_REQUEST_ID.fullmatch(incoming):
            request_id = incoming.decode()
        else:
            request_id = uuid.uuid4().hex
        request_id_var.set(request_id)
        started = time.perf_counter()
        response_status = status.HTTP_500_INTERNAL_SERVER_ERROR
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal response_status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                response_status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            error_logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise  # too late to answer; the server closes the connection
            crash = JSONResponse(
                {"detail": "Internal server error"},
                status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
            await crash(scope, receive, send_with_request_id)
        finally:
            quiet = response_status < 400 and scope["path"] in self.quiet_paths
            if self.access_log and not quiet:
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


class SecurityHeadersMiddleware:
    """Headers every response should carry; HSTS only when the request came over HTTPS
    (directly, or through a proxy trusted by FORWARDED_ALLOW_IPS)."""

    _ALWAYS = (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )
    _HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = (*self._ALWAYS, self._HSTS) if scope.get("scheme") == "https" else self._ALWAYS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413, whether declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            too_large = JSONResponse(
                {"detail": TOO_LARGE_DETAIL}, status_code=status.HTTP_413_CONTENT_TOO_LARGE
            )
            await too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI passes HTTPExceptions raised while reading the body through as-is.
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, TOO_LARGE_DETAIL)
            return message

        await self.app(scope, limited_receive, send)
