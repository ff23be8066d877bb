"""Pure ASGI middleware: request ids with access logs, security headers, load shedding, body
size limit."""

import asyncio
import json
import logging
import re
import time
import uuid

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .csp import NOTHING_POLICY, PAGE_POLICY
from .logging import request_id_var

REQUEST_ID_HEADER = b"x-request-id"
# Accept ids from a proxy or caller only when they cannot inject anything into the logs.
_WELL_FORMED_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

TOO_LARGE_DETAIL = "Request body too large"
BUSY_DETAIL = "The server is busy; retry later"
_BUSY_JSON = json.dumps({"detail": BUSY_DETAIL}).encode()
_BUSY_START: Message = {
    "type": "http.response.start",
    "status": status.HTTP_503_SERVICE_UNAVAILABLE,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_BUSY_JSON)).encode()),
        (b"retry-after", b"1"),
    ],
}
_BUSY_BODY: Message = {"type": "http.response.body", "body": _BUSY_JSON}
# A refused body is still read (and discarded) before the 413, up to this much beyond the
# limit and for this long: a client that sends its whole body before reading the answer
# (urllib, requests) would otherwise meet a connection closed with unread bytes, which the
# kernel turns into a reset that can beat the answer; nginx does the same ("lingering
# close"). Past either bound the 413 goes out with `Connection: close` at once, so no client
# can keep a worker reading.
DRAIN_MAX_BYTES = 16 * 1024 * 1024
DRAIN_MAX_SECONDS = 10.0
_CLOSE = {"Connection": "close"}

# Browser features no page of ours uses: Permissions-Policy turns them off.
_UNUSED_FEATURES = (
    "accelerometer",
    "camera",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
)

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.error")
overload_logger = logging.getLogger("app.overload")


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
    """Headers every response should carry (those a handler set are left as they are): a
    Content-Security-Policy (see core/csp.py); `Cache-Control: no-store` on every answer to
    a request with credentials, errors too, since what it says depends on who asked; and
    HSTS only when the request came over HTTPS (directly, or through a proxy trusted by
    FORWARDED_ALLOW_IPS)."""

    _ALWAYS = (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        # Other sites may not embed our answers (<img>, <script>); CORS requests still pass.
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Permissions-Policy", ", ".join(f"{feature}=()" for feature in _UNUSED_FEATURES)),
    )
    _HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    _NO_STORE = ("Cache-Control", "no-store")
    _CREDENTIALS = (b"authorization", b"cookie")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*self._ALWAYS]
        if scope.get("scheme") == "https":
            extra.append(self._HSTS)
        if any(_header(scope, name) is not None for name in self._CREDENTIALS):
            extra.append(self._NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault(
                    "Content-Security-Policy", PAGE_POLICY if html else NOTHING_POLICY
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoadSheddingMiddleware:
    """Serve at most `max_in_flight` requests at once in this worker. A request past that
    waits, first come first served, at most `max_wait` seconds for a place, then gets a 503
    with Retry-After: under a burst, the requests let in stay fast, the others learn soon to
    come back, and the worker is at full speed again as soon as the burst ends. Requests to
    `exempt_paths` (health probes) never wait.

    The short wait matters as much as the limit: clients that retry at once (load testers,
    impatient proxies) would otherwise make the worker spend its time refusing them, and the
    requests it let in would starve. The refusal is prepared once and not access-logged one
    by one; refusals are counted in a warning at most once a second."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int,
        max_wait: float,
        exempt_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_wait = max_wait
        self.exempt_paths = exempt_paths
        self.places = asyncio.Semaphore(max_in_flight)
        self.refused = 0
        self.last_report = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        if not await self._take_place():
            await send(_BUSY_START)
            await send(_BUSY_BODY)
            self._count_refusal()
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.places.release()

    async def _take_place(self) -> bool:
        if not self.places.locked():
            await self.places.acquire()  # free: returns at once
            return True
        try:
            async with asyncio.timeout(self.max_wait):
                await self.places.acquire()
        except TimeoutError:
            return False
        return True

    def _count_refusal(self) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self.last_report >= 1:
            overload_logger.warning(
                "Busy: refused %d requests in %.1f s (%d in flight at most)",
                self.refused,
                now - self.last_report,
                self.max_in_flight,
                extra={"refused": self.refused, "max_in_flight": self.max_in_flight},
            )
            self.refused, self.last_report = 0, now


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413, whether declared or streamed;
    the rest of a refused body is read first (within the drain bounds) so that the client
    gets to read the answer."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        drain_max_bytes: int = DRAIN_MAX_BYTES,
        drain_seconds: float = DRAIN_MAX_SECONDS,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_until = max_bytes + drain_max_bytes  # bytes read in all, at most
        self.drain_seconds = drain_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            # Asking for the body (the first receive) would make the server send
            # "100 Continue"; a body past the bound is not worth starting to read.
            expects_continue = (_header(scope, b"expect") or b"").lower() == b"100-continue"
            drained = (
                not expects_continue
                and int(declared) <= self.drain_until
                and await self._drain(receive, 0)
            )
            too_large = JSONResponse(
                {"detail": TOO_LARGE_DETAIL},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
                headers=None if drained else _CLOSE,
            )
            await too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                drained = not message.get("more_body", False) or await self._drain(
                    receive, received
                )
                # FastAPI passes HTTPExceptions raised while reading the body through as-is.
                raise HTTPException(
                    status.HTTP_413_CONTENT_TOO_LARGE,
                    TOO_LARGE_DETAIL,
                    headers=None if drained else _CLOSE,
                )
            return message

        await self.app(scope, limited_receive, send)

    async def _drain(self, receive: Receive, received: int) -> bool:
        """Read and discard the rest of a body of which `received` bytes were read, within
        the bounds; True if the body ended (the connection can then serve another request)."""
        try:
            async with asyncio.timeout(self.drain_seconds):
                while received <= self.drain_until:
                    message = await receive()
                    if message["type"] != "http.request":
                        return False  # the client is gone
                    if not message.get("more_body", False):
                        return True
                    received += len(message.get("body", b""))
        except TimeoutError:
            pass
        return False
