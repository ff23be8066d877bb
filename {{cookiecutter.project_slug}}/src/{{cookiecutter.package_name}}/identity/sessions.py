"""Login sessions: starting one at login, rotating its refresh token, ending it.

Refresh tokens are opaque random strings, stored only as their SHA-256, and used once: each
refresh spends the token presented and hands out the next of its family. A spent token
presented again means it was copied, so the whole session ends (RFC 9700 §4.14.2) and a
security event is logged.
"""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.config import Settings
from ..core.db import utc_now
from ..core.security import hash_random_secret
from ..users.models import User
from .api_keys import delete_api_key_by_secret, looks_like_api_key
from .exceptions import InvalidGrantError
from .models import USER_AGENT_MAX_LENGTH, LoginSession, RefreshToken
from .tokens import issue_access_token, read_access_token

security_log = logging.getLogger(f"{__package__}.security")

_REFRESH_TOKEN_BYTES = 32
_BY_HASH = (
    select(RefreshToken, LoginSession, User)
    .join(LoginSession, LoginSession.id == RefreshToken.session_id)
    .join(User, User.id == LoginSession.user_id)
    .where(RefreshToken.token_hash == bindparam("token_hash"))
)
# Spends a token only if nobody spent it first: of two refreshes racing, exactly one wins.
_SPEND = (
    update(RefreshToken)
    .where(RefreshToken.id == bindparam("token_id"), RefreshToken.used_at.is_(None))
    .values(used_at=bindparam("now"))
    .returning(RefreshToken.id)
    .execution_options(synchronize_session=False)
)
_END = (
    delete(LoginSession)
    .where(LoginSession.user_id == bindparam("user_id"), LoginSession.id == bindparam("sid"))
    .returning(LoginSession.id)
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds the access token lasts."""


def _open_after(now: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """A session is open at `now` if used since the first and started since the second."""
    return (
        now - timedelta(days=settings.refresh_token_idle_days),
        now - timedelta(days=settings.refresh_token_absolute_days),
    )


def _lapsed(now: datetime, settings: Settings) -> ColumnElement[bool]:
    idle_limit, absolute_limit = _open_after(now, settings)
    return or_(LoginSession.last_used_at <= idle_limit, LoginSession.created_at <= absolute_limit)


async def purge_lapsed_sessions(db: AsyncSession, settings: Settings) -> None:
    """Delete every lapsed login session (their refresh tokens go with them): a schedule."""
    await db.execute(delete(LoginSession).where(_lapsed(utc_now(), settings)))


def _still_open(login: LoginSession, *, now: datetime, settings: Settings) -> bool:
    idle_limit, absolute_limit = _open_after(now, settings)
    return login.last_used_at > idle_limit and login.created_at > absolute_limit


def _issue(db: AsyncSession, user: User, login: LoginSession, settings: Settings) -> IssuedTokens:
    """Add the session's next refresh token to `db` (the caller commits) and sign an access
    token for the session."""
    refresh_token = secrets.token_urlsafe(_REFRESH_TOKEN_BYTES)
    db.add(RefreshToken(session_id=login.id, token_hash=hash_random_secret(refresh_token)))
    return IssuedTokens(
        access_token=issue_access_token(user, session_id=login.id, settings=settings),
        refresh_token=refresh_token,
        expires_in=settings.access_token_expire_minutes * 60,
    )


async def start_session(
    db: AsyncSession,
    *,
    user: User,
    user_agent: str | None,
    settings: Settings,
    second_factor: bool = False,
) -> IssuedTokens:
    """A new login session for `user` (who just proved their password, and with
    `second_factor` a one-time code too); the user's sessions that have lapsed are cleared on
    the way, so the table holds only live ones and a few."""
    now = utc_now()
    await db.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, _lapsed(now, settings))
    )
    login = LoginSession(
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH] if user_agent else None,
        second_factor=second_factor,
    )
    db.add(login)
    await db.flush()
    tokens = _issue(db, user, login, settings)
    await db.commit()
    return tokens


async def refresh_session(
    db: AsyncSession, *, refresh_token: str, settings: Settings
) -> IssuedTokens:
    """Spend `refresh_token` for a new access token and the next refresh token (RFC 6749 §6)."""
    row = (await db.execute(_BY_HASH, {"token_hash": hash_random_secret(refresh_token)})).first()
    if row is None:
        raise InvalidGrantError("The refresh token is invalid, expired or revoked")
    token, login, user = row
    now = utc_now()
    if (
        token.used_at is not None
        or await db.scalar(_SPEND, {"token_id": token.id, "now": now}) is None
    ):
        await _end(db, login)
        security_log.warning(
            "A spent refresh token was presented again: its session is ended",
            extra={"event": "refresh_token_reuse", "user_id": user.id, "session_id": login.id},
        )
        raise InvalidGrantError("The refresh token was already used: the session is ended")
    if not user.is_active or not _still_open(login, now=now, settings=settings):
        await _end(db, login)
        raise InvalidGrantError("The refresh token is invalid, expired or revoked")
    login.last_used_at = now
    tokens = _issue(db, user, login, settings)
    await db.commit()
    return tokens


async def _end(db: AsyncSession, login: LoginSession) -> None:
    await db.execute(_END, {"user_id": login.user_id, "sid": login.id})
    await db.commit()


async def end_session(db: AsyncSession, *, user_id: int, session_id: int) -> bool:
    """End one of `user_id`'s sessions; False when they have none with this id."""
    ended = await db.scalar(_END, {"user_id": user_id, "sid": session_id})
    if ended is not None:
        record(db, "session.ended", actor_id=user_id, target=("login_sessions", session_id))
    await db.commit()
    return ended is not None


async def end_sessions(db: AsyncSession, *, user_id: int, keep: int | None = None) -> None:
    """End every session of `user_id` (but `keep`), and commit: after a password change or
    reset, or a deactivation, no client stays logged in."""
    statement = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(LoginSession.id != keep)
    await db.execute(statement.execution_options(synchronize_session=False))
    await db.commit()


async def list_sessions(
    db: AsyncSession, *, user_id: int, settings: Settings
) -> Sequence[LoginSession]:
    """The user's open sessions, most recently used first."""
    idle_limit, absolute_limit = _open_after(utc_now(), settings)
    result = await db.scalars(
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.last_used_at > idle_limit,
            LoginSession.created_at > absolute_limit,
        )
        .order_by(LoginSession.last_used_at.desc(), LoginSession.id.desc())
    )
    return result.all()


async def revoke_token(db: AsyncSession, *, token: str, settings: Settings) -> None:
    """End the session a refresh or access token belongs to (RFC 7009 §2.1: revoking either
    ends the grant), or delete an API key: whoever finds a leaked key can kill it. An
    unknown, expired or forged token changes nothing."""
    if looks_like_api_key(token):
        await delete_api_key_by_secret(db, key=token)
        return
    row = (await db.execute(_BY_HASH, {"token_hash": hash_random_secret(token)})).first()
    if row is not None:
        await _end(db, row[1])
        return
    claims = read_access_token(token, settings=settings)
    if claims is not None and claims.session_id is not None:
        await end_session(db, user_id=claims.user_id, session_id=claims.session_id)
