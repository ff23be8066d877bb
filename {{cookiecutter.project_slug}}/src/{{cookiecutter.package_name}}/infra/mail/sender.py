"""Send mail through the configured SMTP server, without ever failing the caller."""

import logging
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib

from ...core.config import Settings
from .render import Mail

logger = logging.getLogger(__name__)


class MailSender:
    """Sends each mail in its own SMTP session. A failure is logged (with the request id, like
    every log line) and reported as False, never raised: mails go out after the answer, and
    whether one was sent must not show in any answer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sender_domain = parseaddr(settings.emails_from)[1].rpartition("@")[2] or "localhost"

    def _message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.emails_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        # The sender's domain, not the host name: make_msgid() would look that up in the DNS.
        message["Message-ID"] = make_msgid(domain=self._sender_domain)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    async def send(self, mail: Mail) -> bool:
        settings = self.settings
        if not settings.smtp_host:
            if settings.environment == "production":
                # Never the body there: it carries a token that acts for the account.
                logger.warning("SMTP_HOST is not set: the mail %r was not sent", mail.subject)
            else:
                # Development reads its mails here, token and link included, to finish a flow.
                logger.warning(
                    "SMTP_HOST is not set: the mail %r to %s was not sent; its text:\n%s",
                    mail.subject,
                    mail.to,
                    mail.text,
                )
            return False
        try:
            await aiosmtplib.send(
                self._message(mail),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_user or None,
                password=settings.smtp_password.get_secret_value() or None,
                start_tls=settings.smtp_tls,
                timeout=settings.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            # The cause in one line: a traceback of the SMTP client would add nothing.
            logger.error(
                "Could not send the mail %r through %s:%s: %s",
                mail.subject,
                settings.smtp_host,
                settings.smtp_port,
                error,
            )
            return False
        logger.info("Sent the mail %r", mail.subject)
        return True
