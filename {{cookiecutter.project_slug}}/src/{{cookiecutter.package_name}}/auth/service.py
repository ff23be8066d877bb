"""Checking a login and issuing its access token."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ..core.config import Settings
from ..core.db import end_read_transaction
from ..core.security import (
    check_password,
    create_access_token,
    in_hashing_thread,
    spend_password_check_time,
)
from ..users.models import User
from ..users.schemas import normalise_email
from ..users.service import get_user_by_email
from .exceptions import IncorrectLoginError, TooManyLoginAttemptsError
from .throttle import LoginThrottle


async def authenticate(
    session: AsyncSession, *, email: str, password: str, client: str, throttle: LoginThrottle
) -> User:
    """The active user with these credentials; upgrades an outdated password hash on the way.

    Failures are counted per account and client; past the limit even a right password waits.
    """
    email = normalise_email(email)
    throttle_key = f"{email}|{client}"
    if retry_after := throttle.retry_after(throttle_key):
        raise TooManyLoginAttemptsError(retry_after)
    user = await get_user_by_email(session, email=email)
    await end_read_transaction(session)
    if user is None:
        await in_hashing_thread(spend_password_check_time, password)
        throttle.record_failure(throttle_key)
        raise IncorrectLoginError
    check = await in_hashing_thread(check_password, password, user.hashed_password)
    if not check.valid or not user.is_active:
        throttle.record_failure(throttle_key)
        raise IncorrectLoginError
    throttle.reset(throttle_key)
    if check.new_hash is not None:
        user.hashed_password = check.new_hash
        await session.commit()
    return user


def issue_access_token(user: User, *, settings: Settings) -> str:
    return create_access_token(
        str(user.id),
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=settings.access_token_expire_minutes),
    )
