"""Load shedding: at most `max_in_flight` requests at once in this worker.

A request past that waits, first come first served, at most `max_wait` seconds for a place,
then gets a 503 with Retry-After: under a burst, the requests let in stay fast, the others
learn soon to come back, and the worker is at full speed again as soon as the burst ends.

The short wait matters as much as the limit: clients that retry at once (load testers,
impatient proxies) would otherwise make the worker spend its time refusing them, and the
requests it let in would starve. The refusal is prepared once and not access-logged one by
one; refusals are counted in a warning at most once a second."""

import asyncio
import json
import logging
import time

from fastapi import status
from starlette.types import Message, Send

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

overload_logger = logging.getLogger("app.overload")


class LoadShedding:
    def __init__(self, *, max_in_flight: int, max_wait: float) -> None:
        self.max_in_flight = max_in_flight
        self.max_wait = max_wait
        self.places = asyncio.Semaphore(max_in_flight)
        self.refused = 0
        self.last_report = time.monotonic()

    async def enter(self) -> bool:
        """Take a place (False: none freed within the wait); `leave()` gives it back."""
        if not self.places.locked():
            await self.places.acquire()  # free: returns at once
            return True
        try:
            async with asyncio.timeout(self.max_wait):
                await self.places.acquire()
        except TimeoutError:
            return False
        return True

    def leave(self) -> None:
        self.places.release()

    async def refuse(self, send: Send) -> None:
        await send(_BUSY_START)
        await send(_BUSY_BODY)
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
