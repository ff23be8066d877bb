"""With Celery on, mails go out from a worker: the web process only queues them."""

import asyncio
import logging
from dataclasses import asdict

from kombu.exceptions import OperationalError

from ..jobs.celery_app import enqueue
from ..jobs.tasks import send_mail_task
from .render import Mail
from .sender import MailSender

logger = logging.getLogger(__name__)


class QueuedMailSender(MailSender):
    """Queues each mail for a worker, which sends it with `MailSender`. A queue that cannot be
    reached is logged and reported as False, never raised, as a failed send is."""

    async def send(self, mail: Mail) -> bool:
        try:
            # Publishing blocks on the broker's socket: keep it off the event loop.
            await asyncio.to_thread(enqueue, send_mail_task, asdict(mail))
        except OperationalError as error:
            logger.error("Could not queue the mail %r: %s", mail.subject, error)
            return False
        return True
