"""The account mails: a password reset token, and an email verification token. Handlers
send them as background tasks, after the answer has gone out."""

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.config import Settings
from ..core.security import TokenPurpose
from ..mail.render import render_mail
from ..mail.sender import MailSender
from ..users.models import User
from ..users.service import get_user_by_email
from .tokens import issue_user_token


def describe_minutes(minutes: int) -> str:
    """`minutes` as a mail says it: "30 minutes", "1 hour", "48 hours"."""
    amount, unit = (minutes // 60, "hour") if minutes % 60 == 0 else (minutes, "minute")
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


@dataclass(frozen=True, slots=True)
class AccountMails:
    settings: Settings
    sender: MailSender
    session_factory: async_sessionmaker[AsyncSession]

    def _link(self, path: str, token: str) -> str | None:
        base = self.settings.public_url.rstrip("/")
        return f"{base}/{path}?{urlencode({'token': token})}" if base else None

    async def send_password_reset(self, email: str) -> None:
        """The account is looked up here, after the answer, so that neither the answer nor its
        timing tells whether it exists. Unknown and deactivated accounts get no mail."""
        async with self.session_factory() as session:
            user = await get_user_by_email(session, email=email)
        if user is None or not user.is_active:
            return
        token = issue_user_token(user, TokenPurpose.PASSWORD_RESET, settings=self.settings)
        mail = render_mail(
            "password_reset",
            to=user.email,
            subject="Reset your password",
            email=user.email,
            token=token,
            link=self._link("reset-password", token),
            expires_in=describe_minutes(self.settings.password_reset_token_expire_minutes),
        )
        await self.sender.send(mail)

    async def send_verification(self, user: User) -> None:
        token = issue_user_token(user, TokenPurpose.EMAIL_VERIFICATION, settings=self.settings)
        mail = render_mail(
            "verify_email",
            to=user.email,
            subject="Verify your email address",
            email=user.email,
            token=token,
            link=self._link("verify-email", token),
            expires_in=describe_minutes(self.settings.email_verification_token_expire_minutes),
        )
        await self.sender.send(mail)
