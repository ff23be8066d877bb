"""Registration and the OAuth2 password flow's token endpoint."""

from typing import Annotated

from fastapi import APIRouter, Form, status

from ..core.config import SettingsDep
from ..core.db import SessionDep
from ..users.schemas import UserCreate, UserPublic
from ..users.service import create_user
from .schemas import LoginForm, Token
from .service import authenticate, issue_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

PasswordForm = Annotated[LoginForm, Form()]


@router.post("/register", status_code=status.HTTP_201_CREATED)
def register(session: SessionDep, user_in: UserCreate) -> UserPublic:
    return UserPublic.model_validate(create_user(session, user_in=user_in))


@router.post(
    "/token",
    responses={status.HTTP_401_UNAUTHORIZED: {"description": "Incorrect email or password"}},
)
def login(session: SessionDep, settings: SettingsDep, form: PasswordForm) -> Token:
    """OAuth2 password flow: `username` is the account's email."""
    user = authenticate(session, email=form.username, password=form.password)
    return Token(access_token=issue_access_token(user, settings=settings))
