"""What each outbox topic does when its message is delivered: the same code in the web process
(one-process bakes) and on a worker (Celery). Consumers are idempotent, as the outbox hands
a message over at least once: a finished job is not run again, a mail is marked delivered in
the transaction that sends it."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .auth.mails import MAIL_TOPIC, AccountMails
from .core.config import Settings
from .core.domain import JobFunction
from .domains import job_functions
from .infra.mail.sender import MailSender
from .infra.outbox.service import claim_delivery
from .jobs.service import JOB_TOPIC, run_job

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    mail_sender: MailSender
    functions: Mapping[str, JobFunction] = field(default_factory=job_functions)

    async def __call__(self, message_id: int, topic: str, payload: dict[str, Any]) -> None:
        if topic == JOB_TOPIC:
            await run_job(self.session_factory, self.functions, payload["job_id"])
        elif topic == MAIL_TOPIC:
            await self._mail(message_id, payload)
        else:
            logger.error("Outbox message %s has a topic with no consumer: %r", message_id, topic)

    async def _mail(self, message_id: int, payload: dict[str, Any]) -> None:
        """Mark it delivered, send it, commit: a second delivery finds it marked (or waits for
        the first to end). A crash while sending rolls the mark back, and it goes again."""
        async with self.session_factory() as session:
            if not await claim_delivery(session, message_id=message_id):
                logger.info("Outbox message %s (a mail) was delivered already", message_id)
                return
            mails = AccountMails(self.settings, self.mail_sender, self.session_factory)
            await mails.deliver(payload)
            await session.commit()
