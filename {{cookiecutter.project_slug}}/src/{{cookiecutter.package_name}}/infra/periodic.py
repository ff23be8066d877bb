"""Work repeated in the background of a process for as long as a block runs."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

logger = logging.getLogger(__name__)


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    return stopping.is_set()


@asynccontextmanager
async def repeating(
    work: Callable[[], Awaitable[object]], *, every_seconds: float
) -> AsyncIterator[None]:
    """Run `work` every `every_seconds` (the first time after one interval: a process just
    started serves first) until the block ends. A failure is logged and the next round
    comes all the same.

    At the end a round under way is finished, not cancelled: cut off mid-query, its database
    driver would answer into a closed event loop (gunicorn's graceful timeout bounds the wait).
    """
    stopping = asyncio.Event()

    async def run_until_stopped() -> None:
        while not await _stopped_within(stopping, every_seconds):
            try:
                await work()
            except Exception:
                logger.exception("Background work %r failed", work)

    task = asyncio.create_task(run_until_stopped())
    try:
        yield
    finally:
        stopping.set()
        await task
