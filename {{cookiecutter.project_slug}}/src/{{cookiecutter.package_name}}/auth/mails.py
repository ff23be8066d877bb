"""The account mails: a password reset token, and an email verification token. Handlers
record them in the outbox, by address only; the account is looked up when the mail is
delivered, after the answer has gone out."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.config import Settings
from ..core.security import TokenPurpose
from ..identity.tokens import issue_user_token, lifetime_minutes
from ..infra.mail.render import render_mail
from ..infra.mail.sender import MailSender
from ..users.models import User
from ..users.service import get_user_by_email

# The outbox topic of an account mail; its payload is `account_mail(...)`.
MAIL_TOPIC = "auth.mail"


class AccountMail(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105  # nosec B105  # a mail, not a secret
    VERIFICATION = "verification"


def account_mail(mail: AccountMail, email: str) -> dict[str, str]:
    """The outbox payload of `mail` to the account that has `email`, if any."""
    return {"mail": mail, "email": email}


def describe_minutes(minutes: int) -> str:
    """`minutes` as a mail says it: "30 minutes", "1 hour", "48 hours"."""
    amount, unit = (minutes // 60, "hour") if minutes % 60 == 0 else (minutes, "minute")
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


@dataclass(frozen=True, slots=True)
class AccountMails:
    settings: Settings
    sender: MailSender
    session_factory: async_sessionmaker[AsyncSession]

    async def _send(
        self, user: User, purpose: TokenPurpose, *, template: str, subject: str, link_path: str
    ) -> None:
        """Mail `user` a token for `purpose`, with a link to PUBLIC_URL/`link_path` if set."""
        token = issue_user_token(user, purpose, settings=self.settings)
        base = self.settings.public_url.rstrip("/")
        mail = render_mail(
            template,
            to=user.email,
            subject=subject,
            email=user.email,
            token=token,
            link=f"{base}/{link_path}?{urlencode({'token': token})}" if base else None,
            expires_in=describe_minutes(lifetime_minutes(purpose, self.settings)),
        )
        await self.sender.send(mail)

    async def _active_account(self, email: str) -> User | None:
        """The account is looked up after the answer, so that neither the answer nor its
        timing tells whether it exists. Unknown and deactivated accounts get no mail. A
        database outage is raised: the outbox delivers the mail again later."""
        async with self.session_factory() as session:
            user = await get_user_by_email(session, email=email)
        return user if user is not None and user.is_active else None

    async def deliver(self, payload: dict[str, Any]) -> None:
        """Send the mail an outbox payload describes."""
        if payload["mail"] == AccountMail.PASSWORD_RESET:
            await self.send_password_reset(payload["email"])
        else:
            await self.send_verification_to(payload["email"])

    async def send_password_reset(self, email: str) -> None:
        user = await self._active_account(email)
        if user is None:
            return
        await self._send(
            user,
            TokenPurpose.PASSWORD_RESET,
            template="password_reset",
            subject="Reset your password",
            link_path="reset-password",
        )

    async def send_verification(self, user: User) -> None:
        await self._send(
            user,
            TokenPurpose.EMAIL_VERIFICATION,
            template="verify_email",
            subject="Verify your email address",
            link_path="verify-email",
        )

    async def send_verification_to(self, email: str) -> None:
        """A new verification mail, if an active account has `email` and is not verified."""
        user = await self._active_account(email)
        if user is not None and not user.is_verified:
            await self.send_verification(user)
