"""Registration and the OAuth2 password flow's token endpoint."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, status

from ..core.config import SettingsDep
from ..core.db import SessionDep
from ..core.responses import error_responses
from ..users.schemas import UserCreate, UserPublic
from ..users.service import create_user
from .dependencies import LoginThrottleDep
from .schemas import LoginForm, Token
from .service import authenticate, issue_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

PasswordForm = Annotated[LoginForm, Form()]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE),
)
async def register(session: SessionDep, user_in: UserCreate) -> UserPublic:
    return UserPublic.model_validate(await create_user(session, user_in=user_in))


@router.post(
    "/token",
    responses=error_responses(
        status.HTTP_401_UNAUTHORIZED,
        status.HTTP_413_CONTENT_TOO_LARGE,
        status.HTTP_429_TOO_MANY_REQUESTS,
    ),
)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    form: PasswordForm,
) -> Token:
    """OAuth2 password flow: `username` is the account's email."""
    client = request.client.host if request.client else "unknown"
    user = await authenticate(
        session, email=form.username, password=form.password, client=client, throttle=throttle
    )
    return Token(access_token=issue_access_token(user, settings=settings))
