"""Queries and writes on users."""

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import end_read_transaction
from ..core.pagination import PageParams, Paginated, paginate
from ..core.security import check_password, hash_password, in_hashing_thread
from .exceptions import CurrentPasswordIncorrectError, EmailAlreadyRegisteredError
from .models import User
from .schemas import UserCreate, UserUpdate

# Built once, with parameters for what varies: SQLAlchemy then reuses each compiled query.
_BY_ID = select(User).where(User.id == bindparam("user_id"))
_BY_EMAIL = select(User).where(User.email == bindparam("email"))
_ALL = select(User).order_by(User.id)


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.scalar(_BY_ID, {"user_id": user_id})


async def get_user_by_email(session: AsyncSession, *, email: str) -> User | None:
    return await session.scalar(_BY_EMAIL, {"email": email})


async def list_users(session: AsyncSession, *, page: PageParams) -> Paginated[User]:
    return await paginate(session, _ALL, page)


async def create_user(
    session: AsyncSession, *, user_in: UserCreate, is_superuser: bool = False
) -> User:
    user = User(
        email=user_in.email,
        hashed_password=await in_hashing_thread(hash_password, user_in.password),
        full_name=user_in.full_name,
        is_superuser=is_superuser,
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        # Two registrations of one email can race past any prior check; the unique index wins.
        await session.rollback()
        raise EmailAlreadyRegisteredError from None
    return user


async def update_user(session: AsyncSession, *, user: User, user_in: UserUpdate) -> User:
    """Apply the update all at once, or nothing of it: every check passes before any change."""
    new_hash = None
    if user_in.password is not None:
        await end_read_transaction(session)
        # UserUpdate guarantees current_password comes with password.
        current = user_in.current_password or ""
        if not (await in_hashing_thread(check_password, current, user.hashed_password)).valid:
            raise CurrentPasswordIncorrectError
        new_hash = await in_hashing_thread(hash_password, user_in.password)
    if "full_name" in user_in.model_fields_set:
        user.full_name = user_in.full_name
    if new_hash is not None:
        user.hashed_password = new_hash
    await session.commit()
    return user
