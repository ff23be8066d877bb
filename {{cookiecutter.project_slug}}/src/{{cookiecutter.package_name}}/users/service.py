"""Queries and writes on users."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.audit import record
from ..core.config import Settings
from ..core.db import end_read_transaction
from ..core.pagination import PageParams, Paginated, paginate
from ..core.security import check_password, hash_password, in_hashing_thread
from .exceptions import (
    CurrentPasswordIncorrectError,
    EmailAlreadyRegisteredError,
    SelfLockoutError,
    UserNotFoundError,
)
from .models import MEMBER, User
from .password_policy import require_acceptable_password
from .roles import refuse_losing_last_admin, roles_named
from .schemas import UserCreate, UserUpdate

# Built once, with parameters for what varies: SQLAlchemy then reuses each compiled query.
_BY_ID = select(User).where(User.id == bindparam("user_id"))
_BY_EMAIL = select(User).where(User.email == bindparam("email"))
_ALL = select(User).order_by(User.id)
# Compares the hash too: of two resets with one token, exactly one wins.
_REPLACE_PASSWORD = (
    update(User)
    .where(User.id == bindparam("user_id"), User.hashed_password == bindparam("old_hash"))
    .values(hashed_password=bindparam("new_hash"), is_verified=True)
    .returning(User.id)
    .execution_options(synchronize_session=False)
)


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.scalar(_BY_ID, {"user_id": user_id})


async def get_existing_user(session: AsyncSession, *, user_id: int) -> User:
    user = await get_user(session, user_id=user_id)
    if user is None:
        raise UserNotFoundError
    return user


async def get_user_by_email(session: AsyncSession, *, email: str) -> User | None:
    return await session.scalar(_BY_EMAIL, {"email": email})


async def list_users(session: AsyncSession, *, page: PageParams) -> Paginated[User]:
    return await paginate(session, _ALL, page)


async def create_user(
    session: AsyncSession,
    *,
    user_in: UserCreate,
    settings: Settings,
    roles: Sequence[str] = (MEMBER,),
    is_verified: bool = False,
) -> User:
    require_acceptable_password(user_in.password, email=user_in.email, settings=settings)
    user = User(
        email=user_in.email,
        hashed_password=await in_hashing_thread(hash_password, user_in.password),
        full_name=user_in.full_name,
        is_verified=is_verified,
        roles=await roles_named(session, roles, field="roles"),
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        # Two registrations of one email can race past any prior check; the unique index wins.
        await session.rollback()
        raise EmailAlreadyRegisteredError from None
    return user


async def update_user(
    session: AsyncSession, *, user: User, user_in: UserUpdate, settings: Settings
) -> User:
    """Apply the update all at once, or nothing of it: every check passes before any change."""
    new_hash = None
    if user_in.password is not None:
        await end_read_transaction(session)
        # UserUpdate guarantees current_password comes with password. Checked first: only
        # whoever knows it learns what the policy thinks of the new one.
        current = user_in.current_password or ""
        if not (await in_hashing_thread(check_password, current, user.hashed_password)).valid:
            raise CurrentPasswordIncorrectError
        require_acceptable_password(user_in.password, email=user.email, settings=settings)
        new_hash = await in_hashing_thread(hash_password, user_in.password)
    if "full_name" in user_in.model_fields_set:
        user.full_name = user_in.full_name
    if new_hash is not None:
        user.hashed_password = new_hash
    await session.commit()
    return user


async def replace_password(session: AsyncSession, *, user: User, new_hash: str) -> bool:
    """Set a new password hash, if the stored one is still the one `user` was loaded with
    (False when another change came first). Receiving the reset mail proves the address, so
    the account counts as verified too."""
    replaced = await session.scalar(
        _REPLACE_PASSWORD,
        {"user_id": user.id, "old_hash": user.hashed_password, "new_hash": new_hash},
    )
    await session.commit()
    return replaced is not None


async def mark_verified(session: AsyncSession, *, user: User) -> User:
    user.is_verified = True
    await session.commit()
    return user


async def _refuse_lockout(session: AsyncSession, *, user: User, actor_id: int) -> None:
    """Nobody deactivates or deletes themselves, nor the last active admin."""
    if user.id == actor_id:
        raise SelfLockoutError
    await refuse_losing_last_admin(session, user=user)


async def set_active(session: AsyncSession, *, user: User, is_active: bool, actor_id: int) -> User:
    """(De)activate `user`; a deactivated user's tokens stop working at their next request."""
    if not is_active:
        await _refuse_lockout(session, user=user, actor_id=actor_id)
    user.is_active = is_active
    action = "user.reactivated" if is_active else "user.deactivated"
    record(session, action, actor_id=actor_id, target=("users", user.id))
    await session.commit()
    return user


async def delete_user(session: AsyncSession, *, user: User, actor_id: int) -> None:
    """Delete `user` and (by the foreign keys' ON DELETE CASCADE) everything they own."""
    await _refuse_lockout(session, user=user, actor_id=actor_id)
    record(session, "user.deleted", actor_id=actor_id, target=("users", user.id), email=user.email)
    await session.delete(user)
    await session.commit()
