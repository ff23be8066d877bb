"""Checking a login, resetting a password with a mailed token, verifying an email address."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.config import Settings
from ..core.db import end_read_transaction
from ..core.security import (
    TokenPurpose,
    check_password,
    hash_password,
    in_hashing_thread,
    spend_password_check_time,
)
from ..identity.sessions import end_sessions
from ..identity.tokens import user_of_token
from ..identity.totp import accept_code_or_recovery_code, has_second_factor
from ..infra.throttle import Throttle
from ..users.models import User
from ..users.password_policy import require_acceptable_password
from ..users.schemas import normalise_email
from ..users.service import get_user_by_email, mark_verified, replace_password
from .exceptions import (
    EmailNotVerifiedError,
    IncorrectLoginError,
    IncorrectOneTimeCodeError,
    InvalidResetTokenError,
    InvalidVerificationTokenError,
    MfaRequiredError,
    TooManyLoginAttemptsError,
)


@dataclass(frozen=True, slots=True)
class Login:
    user: User
    second_factor: bool


async def _failed(
    session: AsyncSession, throttle: Throttle, key: str, *, email: str, actor_id: int | None
) -> None:
    await throttle.record_failure(key)
    record(session, "auth.login_failed", actor_id=actor_id, email=email)
    await session.commit()


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client: str,
    throttle: Throttle,
    require_verified: bool,
    otp: str | None = None,
) -> Login:
    """The active (and, if required, verified) user with these credentials, and whether they
    gave a second factor; upgrades an outdated password hash on the way.

    Failures (of the password or the one-time code) are counted per account and client; past
    the limit even right credentials wait. Only the right password learns that the address is
    not verified yet, or that a code is needed.
    """
    email = normalise_email(email)
    throttle_key = f"{email}|{client}"
    if retry_after := await throttle.retry_after(throttle_key):
        raise TooManyLoginAttemptsError(retry_after)
    user = await get_user_by_email(session, email=email)
    await end_read_transaction(session)
    if user is None:
        await in_hashing_thread(spend_password_check_time, password)
        await _failed(session, throttle, throttle_key, email=email, actor_id=None)
        raise IncorrectLoginError
    check = await in_hashing_thread(check_password, password, user.hashed_password)
    if not check.valid or not user.is_active:
        await _failed(session, throttle, throttle_key, email=email, actor_id=user.id)
        raise IncorrectLoginError
    second_factor = await has_second_factor(session, user_id=user.id)
    if second_factor:
        if otp is None:
            raise MfaRequiredError
        if not await accept_code_or_recovery_code(session, user_id=user.id, code=otp):
            await _failed(session, throttle, throttle_key, email=email, actor_id=user.id)
            raise IncorrectOneTimeCodeError
    await throttle.reset(throttle_key)
    if require_verified and not user.is_verified:
        raise EmailNotVerifiedError
    if check.new_hash is not None:
        user.hashed_password = check.new_hash
    # Committed with the login session the caller starts.
    record(session, "auth.login", actor_id=user.id, target=("users", user.id))
    return Login(user=user, second_factor=second_factor)


async def reset_with_token(
    session: AsyncSession, *, token: str, new_password: str, settings: Settings
) -> None:
    """Set a new password with a mailed reset token. The token dies with the old password
    hash it carries, so it works once; every login session of the user ends with it."""
    user = await user_of_token(session, token, TokenPurpose.PASSWORD_RESET, settings=settings)
    if user is None:
        raise InvalidResetTokenError
    require_acceptable_password(
        new_password, email=user.email, settings=settings, field="new_password"
    )
    await end_read_transaction(session)
    new_hash = await in_hashing_thread(hash_password, new_password)
    if not await replace_password(session, user=user, new_hash=new_hash):
        raise InvalidResetTokenError  # another reset with this token came first
    await end_sessions(session, user_id=user.id)


async def verify_address(session: AsyncSession, *, token: str, settings: Settings) -> User:
    """Mark the address verified; following the link again changes nothing."""
    user = await user_of_token(session, token, TokenPurpose.EMAIL_VERIFICATION, settings=settings)
    if user is None:
        raise InvalidVerificationTokenError
    return await mark_verified(session, user=user)
