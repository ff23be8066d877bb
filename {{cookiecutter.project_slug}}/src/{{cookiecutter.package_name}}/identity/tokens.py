"""Tokens that act for one user: access, password reset and email verification.

Each carries a fingerprint of the password hash it was issued under, so a password change
(a reset, or PATCH /users/me) voids every token issued before it. An access token also names
the login session it belongs to (`sid`): it works only while that session lasts.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.config import Settings
from ..core.security import TokenPurpose, create_token, password_fingerprint, read_token
from ..users.models import User
from ..users.service import get_user
from .models import LoginSession
from .principal import Principal, principal_of, with_principal

_FINGERPRINT_CLAIM = "pwd"
_SESSION_CLAIM = "sid"
# The user with their roles and, in the same query, the proof that the token's session still
# exists (and whether its login gave a second factor): every request pays one round trip.
_USER_IN_SESSION = with_principal(
    select(LoginSession.second_factor)
    .join(User, User.id == LoginSession.user_id)
    .where(User.id == bindparam("user_id"), LoginSession.id == bindparam("session_id"))
)


def lifetime_minutes(purpose: TokenPurpose, settings: Settings) -> int:
    return {
        TokenPurpose.ACCESS: settings.access_token_expire_minutes,
        TokenPurpose.PASSWORD_RESET: settings.password_reset_token_expire_minutes,
        TokenPurpose.EMAIL_VERIFICATION: settings.email_verification_token_expire_minutes,
    }[purpose]


def issue_user_token(
    user: User, purpose: TokenPurpose, *, settings: Settings, session_id: int | None = None
) -> str:
    claims = {_FINGERPRINT_CLAIM: password_fingerprint(user.hashed_password)}
    if session_id is not None:
        claims[_SESSION_CLAIM] = str(session_id)
    return create_token(
        purpose,
        str(user.id),
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=lifetime_minutes(purpose, settings)),
        claims=claims,
    )


def issue_access_token(user: User, *, session_id: int, settings: Settings) -> str:
    return issue_user_token(user, TokenPurpose.ACCESS, settings=settings, session_id=session_id)


@dataclass(frozen=True, slots=True)
class UserToken:
    """A token's verified claims; whether it still acts for its user needs that user."""

    user_id: int
    password_fingerprint: str
    session_id: int | None = None

    def is_current_for(self, user_id: int, hashed_password: str) -> bool:
        return user_id == self.user_id and hmac.compare_digest(
            self.password_fingerprint, password_fingerprint(hashed_password)
        )


def _read_user_token(token: str, purpose: TokenPurpose, *, settings: Settings) -> UserToken | None:
    claims = read_token(purpose, token, secret_key=settings.secret_key)
    if claims is None:
        return None
    subject, fingerprint = claims["sub"], claims.get(_FINGERPRINT_CLAIM)
    session_id = claims.get(_SESSION_CLAIM)
    if not subject.isdecimal() or not isinstance(fingerprint, str):
        return None
    if session_id is not None and not (isinstance(session_id, str) and session_id.isdecimal()):
        return None
    return UserToken(
        user_id=int(subject),
        password_fingerprint=fingerprint,
        session_id=int(session_id) if session_id is not None else None,
    )


def read_access_token(token: str, *, settings: Settings) -> UserToken | None:
    """An access token's verified claims, its session included (None if it names none)."""
    claims = _read_user_token(token, TokenPurpose.ACCESS, settings=settings)
    return claims if claims is not None and claims.session_id is not None else None


@dataclass(frozen=True, slots=True)
class LoginCaller:
    """Who an access token acts for, in which of their login sessions, and whether its login
    gave a second factor."""

    user: Principal
    session_id: int
    second_factor: bool = False


async def caller_of_access_token(
    session: AsyncSession, token: str, *, settings: Settings
) -> LoginCaller | None:
    """The caller an access token acts for; None as for `user_of_token`, and also when its
    login session was ended (logout, revocation, reuse of a refresh token). One query."""
    claims = read_access_token(token, settings=settings)
    if claims is None or claims.session_id is None:
        return None
    connection = await session.connection()
    params = {"user_id": claims.user_id, "session_id": claims.session_id}
    rows = (await connection.execute(_USER_IN_SESSION, params)).all()
    if not rows:
        return None
    first = rows[0]
    current = claims.is_current_for(first.principal_id, first.hashed_password)
    if not (first.is_active and current):
        return None
    return LoginCaller(
        user=principal_of(rows), session_id=claims.session_id, second_factor=first.second_factor
    )


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
    if (
        user is None
        or not user.is_active
        or not claims.is_current_for(user.id, user.hashed_password)
    ):
        return None
    return user
