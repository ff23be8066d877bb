"""Delivering outbox messages: consumers that do their work once however often they are handed
a message."""

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.auth.mails import MAIL_TOPIC, AccountMail, account_mail
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.delivery import Delivery
from {{ cookiecutter.package_name }}.infra.mail.sender import MailSender
from {{ cookiecutter.package_name }}.infra.outbox.models import OutboxMessage

from ..factories import UserFactory
from ..smtp_server import Inbox


@pytest.fixture
def delivery(
    settings: Settings, inbox: Inbox, session_factory: async_sessionmaker[AsyncSession]
) -> Delivery:
    mail_settings = settings.model_copy(update=inbox.settings)
    return Delivery(mail_settings, session_factory, MailSender(mail_settings))


@pytest.fixture
def recorded(session: Session) -> Callable[[str, dict[str, Any]], int]:
    def record(topic: str, payload: dict[str, Any]) -> int:
        message = OutboxMessage(topic=topic, payload=payload)
        session.add(message)
        session.commit()
        return message.id

    return record


@pytest.mark.anyio
async def test_a_mail_handed_over_twice_is_sent_once(
    delivery: Delivery,
    recorded: Callable[[str, dict[str, Any]], int],
    users: UserFactory,
    inbox: Inbox,
    session: Session,
) -> None:
    user = users.create()
    payload = account_mail(AccountMail.PASSWORD_RESET, user.email)
    message_id = recorded(MAIL_TOPIC, payload)
    await delivery(message_id, MAIL_TOPIC, payload)
    await delivery(message_id, MAIL_TOPIC, payload)
    assert [mail["Subject"] for mail in inbox.to(user.email)] == ["Reset your password"]
    session.rollback()
    assert session.get_one(OutboxMessage, message_id).delivered_at is not None


@pytest.mark.anyio
async def test_a_verification_mail_goes_to_an_unverified_account(
    delivery: Delivery,
    recorded: Callable[[str, dict[str, Any]], int],
    users: UserFactory,
    inbox: Inbox,
) -> None:
    user = users.create(is_verified=False)
    payload = account_mail(AccountMail.VERIFICATION, user.email)
    await delivery(recorded(MAIL_TOPIC, payload), MAIL_TOPIC, payload)
    assert [mail["Subject"] for mail in inbox.to(user.email)] == ["Verify your email address"]


@pytest.mark.anyio
async def test_a_topic_without_a_consumer_is_logged(
    delivery: Delivery, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        await delivery(7, "gone.topic", {})
    assert "Outbox message 7 has a topic with no consumer: 'gone.topic'" in caplog.text
