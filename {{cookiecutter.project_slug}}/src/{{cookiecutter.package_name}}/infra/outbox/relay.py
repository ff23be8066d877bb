"""The relay: hands committed outbox messages to the runner, at least once each.

A request relays its own messages after its answer has gone out (by then every transaction
of the request has ended); the periodic sweep relays whatever is left, after a failed
hand-off or a crash. A message is marked sent only after its hand-off, so a crash between
the two hands it over again: consumers are idempotent.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...core.db import DATABASE_ERRORS, utc_now
from .service import claim_due, settle

logger = logging.getLogger(__name__)

# Hands one message (id, topic, payload) to the runner; raises when it could not.
HandOff = Callable[[int, str, dict[str, Any]], Awaitable[None]]

SWEEP_BATCH = 100


@dataclass(frozen=True, slots=True)
class Relay:
    session_factory: async_sessionmaker[AsyncSession]
    hand_off: HandOff
    # How long a claimed message is left to its relay before another one takes it over.
    lease_seconds: int
    # How old a message must be before a sweep takes it: a younger one is its request's to
    # relay, which will do it in a moment.
    sweep_after_seconds: float

    async def relay(self, ids: Sequence[int] | None = None) -> int:
        """Hand over `ids` (one request's messages, which a sweep may have relayed already), or
        sweep: the due messages older than `sweep_after_seconds`. How many were handed over."""
        created_before = None
        if ids is None:
            created_before = utc_now() - timedelta(seconds=self.sweep_after_seconds)
        try:
            async with self.session_factory() as session:
                messages = await claim_due(
                    session,
                    lease_seconds=self.lease_seconds,
                    limit=SWEEP_BATCH,
                    ids=ids,
                    created_before=created_before,
                )
                await session.commit()
        except DATABASE_ERRORS as error:
            logger.error("Could not read the outbox: %r", error)
            return 0
        handed = 0
        for message in messages:
            try:
                await self.hand_off(message.id, message.topic, message.payload)
            except Exception:
                logger.exception(
                    "Could not hand over outbox message %s (%s); will retry",
                    message.id,
                    message.topic,
                )
                sent = False
            else:
                sent, handed = True, handed + 1
            with suppress(*DATABASE_ERRORS):  # unsettled, it is retried once its lease ends
                async with self.session_factory() as session:
                    await settle(session, message_id=message.id, sent=sent)
                    await session.commit()
        return handed
