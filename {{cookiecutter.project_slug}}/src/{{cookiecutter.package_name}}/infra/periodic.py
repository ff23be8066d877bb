"""Work repeated in the background of a process for as long as a block runs."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

logger = logging.getLogger(__name__)


@asynccontextmanager
async def repeating(
    work: Callable[[], Awaitable[object]], *, every_seconds: float
) -> AsyncIterator[None]:
    """Run `work` every `every_seconds` (the first time after one interval: a process just
    started serves first) until the block ends. A failure is logged and the next round
    comes all the same."""

    async def run_forever() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await work()
            except Exception:
                logger.exception("Background work %r failed", work)

    task = asyncio.create_task(run_forever())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
