"""Request bodies over `max_bytes` are refused with a 413, whether declared or streamed; the
rest of a refused body is read first (within the drain bounds) so that the client gets to
read the answer."""

import asyncio

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE_DETAIL = "Request body too large"
# A refused body is still read (and discarded) before the 413, up to this much beyond the
# limit and for this long: a client that sends its whole body before reading the answer
# (urllib, requests) would otherwise meet a connection closed with unread bytes, which the
# kernel turns into a reset that can beat the answer; nginx does the same ("lingering
# close"). Past either bound the 413 goes out with `Connection: close` at once, so no client
# can keep a worker reading.
DRAIN_MAX_BYTES = 16 * 1024 * 1024
DRAIN_MAX_SECONDS = 10.0
_CLOSE = {"Connection": "close"}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class BodyLimit:
    def __init__(
        self,
        *,
        max_bytes: int,
        drain_max_bytes: int = DRAIN_MAX_BYTES,
        drain_seconds: float = DRAIN_MAX_SECONDS,
    ) -> None:
        self.max_bytes = max_bytes
        self.drain_until = max_bytes + drain_max_bytes  # bytes read in all, at most
        self.drain_seconds = drain_seconds

    async def serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Call `app` with the request's body bounded."""
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

        await app(scope, limited_receive, send)

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
