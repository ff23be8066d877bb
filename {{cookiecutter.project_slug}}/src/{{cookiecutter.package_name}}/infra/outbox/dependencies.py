"""The request's outbox: messages recorded in the request's session, relayed after its answer."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import ContextDep, OutboxRelay, SessionDep
from .models import OutboxMessage
from .service import add_message


@dataclass(frozen=True, slots=True)
class RequestOutbox:
    session: AsyncSession
    relay: OutboxRelay
    background: BackgroundTasks

    def record(self, topic: str, payload: dict[str, Any]) -> None:
        """Record a message in the request's transaction; the caller's commit commits it.

        It is relayed by a background task, which runs after the answer has been sent, so
        after the request's real commit even when an outer transaction holds its session
        (never from the session's own commit). A message rolled back is never found."""
        message = add_message(self.session, topic=topic, payload=payload)
        self.background.add_task(self._relay, message)

    async def _relay(self, message: OutboxMessage) -> None:
        # Without an id it never reached the database (the request failed before a flush).
        if message.id is not None:
            await self.relay.relay([message.id])


async def _request_outbox(
    session: SessionDep, context: ContextDep, background: BackgroundTasks
) -> RequestOutbox:
    return RequestOutbox(session, context.outbox_relay, background)


OutboxDep = Annotated[RequestOutbox, Depends(_request_outbox)]
