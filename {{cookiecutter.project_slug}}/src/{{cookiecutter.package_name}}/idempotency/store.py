"""Kept answers: claiming a key for the request that runs with it, finding the answer of an
earlier one, keeping a new answer, and forgetting expired ones."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Response
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.config import Settings
from ..core.db import utc_now
from ..infra.rate_limit import LIMIT_FIELD, POLICY_FIELD
from .exceptions import IdempotencyKeyInUseError, IdempotencyKeyReusedError
from .models import IdempotencyRecord

REPLAYED_HEADER = "Idempotent-Replayed"
# What the answer said of the moment, not of the change: a replay says it anew.
_NOT_KEPT = frozenset(name.lower().encode() for name in (LIMIT_FIELD, POLICY_FIELD))

_BY_KEY = select(IdempotencyRecord).where(
    IdempotencyRecord.user_id == bindparam("user_id"), IdempotencyRecord.key == bindparam("key")
)

# Keys whose request runs in this process now. On PostgreSQL an advisory lock also covers
# the other processes; on SQLite the unique key refuses the second commit.
_RUNNING: set[tuple[int, str]] = set()


@dataclass(frozen=True, slots=True)
class Claim:
    user_id: int
    key: str
    fingerprint: str


def _lock_id(claim: Claim) -> int:
    digest = hashlib.blake2b(f"{claim.user_id}:{claim.key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _lock_for_transaction(session: AsyncSession, claim: Claim) -> bool:
    """Hold the key until the transaction ends, across processes (PostgreSQL); False when
    another transaction holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    locked = await session.scalar(select(func.pg_try_advisory_xact_lock(_lock_id(claim))))
    return bool(locked)


def replay(record: IdempotencyRecord) -> Response:
    response = Response(content=record.body, status_code=record.status_code)
    response.raw_headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in record.headers
    ]
    response.headers[REPLAYED_HEADER] = "true"
    return response


@asynccontextmanager
async def claimed(session: AsyncSession, claim: Claim) -> AsyncIterator[Response | None]:
    """Run the request under its key: the earlier answer to replay if there is one (None
    if not); a 409 while a request with the key runs, a 422 if it was another request."""
    running = (claim.user_id, claim.key)
    if running in _RUNNING or not await _lock_for_transaction(session, claim):
        raise IdempotencyKeyInUseError
    _RUNNING.add(running)
    try:
        earlier = await session.scalar(_BY_KEY, {"user_id": claim.user_id, "key": claim.key})
        if earlier is not None and earlier.expires_at <= utc_now():
            await session.delete(earlier)
            await session.flush()
            earlier = None
        if earlier is not None and earlier.fingerprint != claim.fingerprint:
            raise IdempotencyKeyReusedError
        yield None if earlier is None else replay(earlier)
    finally:
        _RUNNING.discard(running)


def keep(session: AsyncSession, claim: Claim, response: Response, *, hours: int) -> None:
    """Add the answer to the transaction, for the retries of the next `hours`."""
    now = utc_now()
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.raw_headers
        if name not in _NOT_KEPT
    ]
    session.add(
        IdempotencyRecord(
            user_id=claim.user_id,
            key=claim.key,
            fingerprint=claim.fingerprint,
            status_code=response.status_code,
            headers=headers,
            body=bytes(response.body),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )


async def purge_expired(db: AsyncSession, _settings: Settings) -> None:
    """Forget the answers past their time: a schedule."""
    await db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utc_now()))
