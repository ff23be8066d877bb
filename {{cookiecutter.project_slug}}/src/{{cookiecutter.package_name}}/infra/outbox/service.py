"""Queries and writes on the outbox: record a message, claim the due ones, and settle them."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...core.config import Settings
from ...core.db import utc_now
from .models import OutboxMessage


def add_message(session: AsyncSession, *, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Add a message to the session: it exists exactly if the session's transaction commits."""
    message = OutboxMessage(topic=topic, payload=payload)
    session.add(message)
    return message


async def claim_due(
    session: AsyncSession,
    *,
    lease_seconds: int,
    limit: int,
    ids: Sequence[int] | None = None,
    created_before: datetime | None = None,
) -> Sequence[OutboxMessage]:
    """Claim up to `limit` messages not handed over and not claimed by a live relay (of `ids`
    only, or created before `created_before` only, if given) for `lease_seconds`; the caller
    commits. On PostgreSQL the rows are locked with SKIP LOCKED, so two relays never claim
    one message; SQLite has one writer."""
    now = utc_now()
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        due = due.where(OutboxMessage.id.in_(ids))
    if created_before is not None:
        due = due.where(OutboxMessage.created_at < created_before)
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(OutboxMessage)
    )
    return sorted(claimed.all(), key=lambda message: message.id)


async def settle(session: AsyncSession, *, message_id: int, sent: bool) -> None:
    """Mark the message handed over, or give up its claim (the hand-off failed) so that the
    next sweep tries again."""
    values: dict[str, Any] = {"claimed_until": None}
    if sent:
        values["sent_at"] = utc_now()
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def claim_delivery(session: AsyncSession, *, message_id: int) -> bool:
    """Mark the message delivered in the consumer's transaction: False when it already was
    (the message was handed over twice). On PostgreSQL a second delivery waits here until
    the first one's transaction ends."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
        .values(delivered_at=utc_now())
        .returning(OutboxMessage.id)
    )
    return result.scalar() is not None


async def purge_sent(session: AsyncSession, settings: Settings) -> None:
    """Delete the messages handed over more than OUTBOX_KEEP_DAYS ago: a schedule."""
    before = utc_now() - timedelta(days=settings.outbox_keep_days)
    await session.execute(delete(OutboxMessage).where(OutboxMessage.sent_at < before))
