"""Queries and writes on users."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.db import end_read_transaction
from ..core.pagination import PageParams, Paginated, paginate
from ..core.security import check_password, hash_password
from .exceptions import CurrentPasswordIncorrectError, EmailAlreadyRegisteredError
from .models import User
from .schemas import UserCreate, UserUpdate


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def list_users(session: Session, *, page: PageParams) -> Paginated[User]:
    return paginate(session, select(User).order_by(User.id), page)


def create_user(session: Session, *, user_in: UserCreate, is_superuser: bool = False) -> User:
    user = User(
        email=user_in.email,
        hashed_password=hash_password(user_in.password),
        full_name=user_in.full_name,
        is_superuser=is_superuser,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # Two registrations of one email can race past any prior check; the unique index wins.
        session.rollback()
        raise EmailAlreadyRegisteredError from None
    return user


def update_user(session: Session, *, user: User, user_in: UserUpdate) -> User:
    """Apply the update all at once, or nothing of it: every check passes before any change."""
    new_hash = None
    if user_in.password is not None:
        end_read_transaction(session)
        # UserUpdate guarantees current_password comes with password.
        if not check_password(user_in.current_password or "", user.hashed_password).valid:
            raise CurrentPasswordIncorrectError
        new_hash = hash_password(user_in.password)
    if "full_name" in user_in.model_fields_set:
        user.full_name = user_in.full_name
    if new_hash is not None:
        user.hashed_password = new_hash
    session.commit()
    return user
