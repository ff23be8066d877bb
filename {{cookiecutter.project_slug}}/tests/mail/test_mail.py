import logging

import pytest

from {{ cookiecutter.package_name }}.auth.mails import describe_minutes
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.infra.mail.render import Mail, render_mail
from {{ cookiecutter.package_name }}.infra.mail.sender import MailSender

from ..smtp_server import Inbox, body

RESET_CONTEXT = {"token": "a.b.c", "expires_in": "30 minutes"}


def test_the_html_body_escapes_values_and_the_text_body_keeps_them() -> None:
    mail = render_mail(
        "password_reset",
        to="x@example.com",
        subject="Reset",
        email="<b>bold</b>@example.com",
        link="https://app.example.com/reset-password?token=a&b",
        **RESET_CONTEXT,
    )
    assert "&lt;b&gt;bold&lt;/b&gt;@example.com" in mail.html
    assert "<b>bold</b>" not in mail.html
    assert 'href="https://app.example.com/reset-password?token=a&amp;b"' in mail.html
    assert "<b>bold</b>@example.com" in mail.text


def test_without_a_link_the_mail_gives_the_token_alone() -> None:
    mail = render_mail("password_reset", to="x", subject="s", email="x", link=None, **RESET_CONTEXT)
    assert "href" not in mail.html
    assert "a.b.c" in mail.text
    assert "http" not in mail.text


@pytest.mark.parametrize(
    ("minutes", "said"), [(1, "1 minute"), (30, "30 minutes"), (60, "1 hour"), (2880, "48 hours")]
)
def test_token_lifetimes_read_naturally(minutes: int, said: str) -> None:
    assert describe_minutes(minutes) == said


@pytest.fixture
def reset_mail() -> Mail:
    return render_mail(
        "password_reset", to="to@example.com", subject="Hi", email="e", link=None, **RESET_CONTEXT
    )


@pytest.mark.anyio
async def test_without_smtp_development_logs_the_whole_text(
    settings: Settings, reset_mail: Mail, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert not await MailSender(settings.model_copy(update={"smtp_host": ""})).send(reset_mail)
    assert "to@example.com" in caplog.text
    assert "a.b.c" in caplog.text  # the token: development can finish the reset


@pytest.mark.anyio
async def test_without_smtp_production_logs_the_subject_only(
    settings: Settings, reset_mail: Mail, caplog: pytest.LogCaptureFixture
) -> None:
    production = settings.model_copy(update={"smtp_host": "", "environment": "production"})
    with caplog.at_level(logging.WARNING):
        assert not await MailSender(production).send(reset_mail)
    assert "'Hi' was not sent" in caplog.text
    assert "a.b.c" not in caplog.text


@pytest.mark.anyio
async def test_a_mail_goes_out_with_both_bodies_and_the_configured_sender(
    settings: Settings, inbox: Inbox
) -> None:
    sender = MailSender(
        settings.model_copy(update={**inbox.settings, "emails_from": "Todo <todo@example.org>"})
    )
    mail = render_mail(
        "password_reset", to="to@example.com", subject="Hi", email="e", link=None, **RESET_CONTEXT
    )
    assert await sender.send(mail)
    [message] = inbox.messages
    assert message["From"] == "Todo <todo@example.org>"
    assert message["Message-ID"].endswith("@example.org>")
    assert "a.b.c" in body(message)
    assert "a.b.c" in body(message, "html")


@pytest.mark.anyio
async def test_starttls_the_server_does_not_offer_is_a_logged_failure(
    settings: Settings, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    sender = MailSender(settings.model_copy(update={**inbox.settings, "smtp_tls": True}))
    mail = render_mail(
        "password_reset", to="to@example.com", subject="Hi", email="e", link=None, **RESET_CONTEXT
    )
    with caplog.at_level(logging.ERROR):
        assert not await sender.send(mail)
    assert "Could not send the mail 'Hi'" in caplog.text
    assert inbox.messages == []
