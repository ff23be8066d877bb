"""Tokens that act for one user: access, password reset and email verification.

Each carries a fingerprint of the password hash it was issued under, so a password change
(a reset, or PATCH /users/me) voids every token issued before it.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ..core.config import Settings
from ..core.security import TokenPurpose, create_token, password_fingerprint, read_token
from ..users.models import User
from ..users.service import get_user

_FINGERPRINT_CLAIM = "pwd"


def lifetime_minutes(purpose: TokenPurpose, settings: Settings) -> int:
    return {
        TokenPurpose.ACCESS: settings.access_token_expire_minutes,
        TokenPurpose.PASSWORD_RESET: settings.password_reset_token_expire_minutes,
        TokenPurpose.EMAIL_VERIFICATION: settings.email_verification_token_expire_minutes,
    }[purpose]


def issue_user_token(user: User, purpose: TokenPurpose, *, settings: Settings) -> str:
    return create_token(
        purpose,
        str(user.id),
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=lifetime_minutes(purpose, settings)),
        claims={_FINGERPRINT_CLAIM: password_fingerprint(user.hashed_password)},
    )


@dataclass(frozen=True, slots=True)
class UserToken:
    """A token's verified claims; whether it still acts for its user needs that user."""

    user_id: int
    password_fingerprint: str

    def is_current_for(self, user: User) -> bool:
        return user.id == self.user_id and hmac.compare_digest(
            self.password_fingerprint, password_fingerprint(user.hashed_password)
        )


def _read_user_token(token: str, purpose: TokenPurpose, *, settings: Settings) -> UserToken | None:
    claims = read_token(purpose, token, secret_key=settings.secret_key)
    if claims is None:
        return None
    subject, fingerprint = claims["sub"], claims.get(_FINGERPRINT_CLAIM)
    if not subject.isdecimal() or not isinstance(fingerprint, str):
        return None
    return UserToken(user_id=int(subject), password_fingerprint=fingerprint)


async def user_of_token(
    session: AsyncSession, token: str, purpose: TokenPurpose, *, settings: Settings
) -> User | None:
    """The active user `token` acts for; None when the token is malformed, forged, expired,
    for another purpose, or older than the user's last password change, or when its user was
    deleted or deactivated (which ends their tokens at once, not at expiry)."""
    claims = _read_user_token(token, purpose, settings=settings)
    if claims is None:
        return None
    user = await get_user(session, user_id=claims.user_id)
    if user is None or not user.is_active or not claims.is_current_for(user):
        return None
    return user
