"""A real SMTP server (aiosmtpd) in a thread of the test process, keeping what it receives."""

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

# A JWT: three base64url parts, the first of them a JSON object ("{" encodes as "ey").
_TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


class Inbox:
    """The aiosmtpd handler: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that send an app's mail here."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_tls": False}

    async def handle_DATA(  # noqa: N802  # the name aiosmtpd calls
        self, _server: Any, _session: Any, envelope: Any
    ) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def token_in(message: EmailMessage) -> str:
    """The one token in the mail's plain-text body."""
    [token] = set(_TOKEN.findall(body(message)))
    return str(token)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """An SMTP server on a free local port (no TLS, no authentication), and its inbox."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
