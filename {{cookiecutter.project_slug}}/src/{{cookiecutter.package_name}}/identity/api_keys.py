"""API keys: long-lived bearer credentials for machines, each limited to the scopes its owner
chose for it.

A key is `ak_` and 43 random URL-safe characters; its first 12 characters (the prefix) are
kept in clear to tell keys apart, the whole key only as its SHA-256. It is shown once, when
created.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.db import utc_now
from ..core.security import hash_random_secret
from ..users.models import User
from .models import API_KEY_PREFIX_LENGTH, ApiKey
from .principal import Principal, principal_of, with_principal

API_KEY_MARKER = "ak_"
MAX_API_KEYS_PER_USER = 50
_KEY_BYTES = 32
# A key's last use is written at most this often.
_LAST_USE_PRECISION = timedelta(minutes=1)
# The key and its owner with their roles, in one round trip.
_BY_HASH = with_principal(
    select(ApiKey.id.label("key_id"), ApiKey.scopes, ApiKey.expires_at, ApiKey.last_used_at)
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.key_hash == bindparam("key_hash"))
)


def looks_like_api_key(token: str) -> bool:
    """Whether a bearer token is an API key rather than an access token (a JWT)."""
    return token.startswith(API_KEY_MARKER)


@dataclass(frozen=True, slots=True)
class KeyCaller:
    """Who an API key acts for, and what it may do for them."""

    user: Principal
    key_id: int
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    row: ApiKey
    key: str
    """The key itself: shown in this one answer, never again."""


async def count_api_keys(db: AsyncSession, *, user_id: int) -> int:
    count = await db.scalar(select(func.count()).where(ApiKey.user_id == user_id))
    return count or 0


async def create_api_key(
    db: AsyncSession,
    *,
    user_id: int,
    name: str,
    scopes: Sequence[str],
    expires_in_days: int | None,
) -> CreatedApiKey:
    key = API_KEY_MARKER + secrets.token_urlsafe(_KEY_BYTES)
    now = utc_now()
    row = ApiKey(
        user_id=user_id,
        name=name,
        prefix=key[:API_KEY_PREFIX_LENGTH],
        key_hash=hash_random_secret(key),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.add(row)
    await db.commit()
    return CreatedApiKey(row=row, key=key)


async def list_api_keys(db: AsyncSession, *, user_id: int) -> Sequence[ApiKey]:
    """The user's keys, newest first (expired ones too, until deleted)."""
    result = await db.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id.desc())
    )
    return result.all()


async def _delete(db: AsyncSession, *conditions: ColumnElement[bool]) -> bool:
    """Delete the key that meets `conditions`, with its audit event, and commit."""
    deleted = (
        await db.execute(
            delete(ApiKey)
            .where(*conditions)
            .returning(ApiKey.id, ApiKey.user_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if deleted is not None:
        key_id, user_id = deleted
        record(db, "api_key.deleted", actor_id=user_id, target=("api_keys", key_id))
    await db.commit()
    return deleted is not None


async def delete_api_key(db: AsyncSession, *, user_id: int, key_id: int) -> bool:
    """Delete one of `user_id`'s keys; False when they have none with this id."""
    return await _delete(db, ApiKey.user_id == user_id, ApiKey.id == key_id)


async def delete_api_key_by_secret(db: AsyncSession, *, key: str) -> None:
    """Delete the key that was presented (revocation, RFC 7009), if it exists."""
    await _delete(db, ApiKey.key_hash == hash_random_secret(key))


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


async def caller_of_api_key(db: AsyncSession, key: str) -> KeyCaller | None:
    """The caller a key acts for; None when it is unknown, deleted or expired, or its owner
    is deactivated."""
    connection = await db.connection()
    rows = (await connection.execute(_BY_HASH, {"key_hash": hash_random_secret(key)})).all()
    if not rows:
        return None
    first = rows[0]
    now = utc_now()
    if _expired(first.expires_at, now) or not first.is_active:
        return None
    if first.last_used_at is None or first.last_used_at <= now - _LAST_USE_PRECISION:
        await db.execute(
            update(ApiKey)
            .where(ApiKey.id == first.key_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        await db.commit()
    return KeyCaller(user=principal_of(rows), key_id=first.key_id, scopes=frozenset(first.scopes))
