"""Queries and writes on users."""

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
from .models import User
from .password_policy import require_acceptable_password
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
    is_superuser: bool = False,
    is_verified: bool = False,
) -> User:
    require_acceptable_password(user_in.password, email=user_in.email, settings=settings)
    user = User(
        email=user_in.email,
        hashed_password=await in_hashing_thread(hash_password, user_in.password),
        full_name=user_in.full_name,
        is_superuser=is_superuser,
        is_verified=is_verified,
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


def _refuse_self_lockout(user: User, acting: User) -> None:
    # The acting superuser always stays active, so the API can never leave no superuser.
    if user.id == acting.id:
        raise SelfLockoutError


async def set_active(session: AsyncSession, *, user: User, is_active: bool, acting: User) -> User:
    """(De)activate `user`; a deactivated user's tokens stop working at their next request."""
    if not is_active:
        _refuse_self_lockout(user, acting)
    user.is_active = is_active
    await session.commit()
    return user


async def delete_user(session: AsyncSession, *, user: User, acting: User) -> None:
    """Delete `user` and (by the foreign keys' ON DELETE CASCADE) everything they own."""
    _refuse_self_lockout(user, acting)
    await session.delete(user)
    await session.commit()
