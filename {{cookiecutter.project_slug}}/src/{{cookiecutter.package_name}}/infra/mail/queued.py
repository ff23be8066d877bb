"""With Celery on, mails go out from a worker: the web process only queues them."""

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError

from ...core.config import Settings
from ..celery_app import enqueue
from .render import Mail
from .sender import MailSender

logger = logging.getLogger(__name__)


class QueuedMailSender(MailSender):
    """Queues each mail for a worker, which sends it with `MailSender`. A queue that cannot be
    reached is logged and reported as False, never raised, as a failed send is."""

    def __init__(self, settings: Settings, *, producer_app: Celery, task: "Task[..., Any]"):
        super().__init__(settings)
        self.producer_app = producer_app
        self.task = task

    async def send(self, mail: Mail) -> bool:
        try:
            # Publishing blocks on the broker's socket: keep it off the event loop.
            await asyncio.to_thread(enqueue, self.producer_app, self.task, asdict(mail))
        except OperationalError as error:
            logger.error("Could not queue the mail %r: %s", mail.subject, error)
            return False
        return True
