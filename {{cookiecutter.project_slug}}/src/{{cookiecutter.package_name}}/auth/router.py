"""Registration, the OAuth2 password flow's token endpoint, password recovery by mail and
email verification."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, status

from ..core.responses import error_responses
from ..core.security import TokenPurpose
from ..identity.tokens import issue_user_token
from ..infra.context import SessionDep, SettingsDep
from ..users.schemas import UserCreate, UserPublic
from ..users.service import create_user
from .dependencies import AccountMailsDep, LoginThrottleDep
from .schemas import EmailVerification, LoginForm, Message, PasswordRecovery, PasswordReset, Token
from .service import authenticate, reset_with_token, verify_address

router = APIRouter(prefix="/auth", tags=["auth"])

PasswordForm = Annotated[LoginForm, Form()]

_TOO_LARGE = error_responses(status.HTTP_413_CONTENT_TOO_LARGE)
_BAD_TOKEN = error_responses(status.HTTP_400_BAD_REQUEST, status.HTTP_413_CONTENT_TOO_LARGE)

RECOVERY_ACCEPTED = Message(
    message="If an account has this address, a password reset mail is on its way to it"
)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE),
)
async def register(
    session: SessionDep,
    settings: SettingsDep,
    mails: AccountMailsDep,
    background: BackgroundTasks,
    user_in: UserCreate,
) -> UserPublic:
    """With EMAIL_VERIFICATION_REQUIRED, mails a verification token, needed before login."""
    user = await create_user(session, user_in=user_in)
    if settings.email_verification_required:
        background.add_task(mails.send_verification, user)
    return UserPublic.model_validate(user)


@router.post(
    "/token",
    responses=error_responses(
        status.HTTP_401_UNAUTHORIZED,
        status.HTTP_403_FORBIDDEN,
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
        session,
        email=form.username,
        password=form.password,
        client=client,
        throttle=throttle,
        require_verified=settings.email_verification_required,
    )
    return Token(access_token=issue_user_token(user, TokenPurpose.ACCESS, settings=settings))


@router.post("/password-recovery", status_code=status.HTTP_202_ACCEPTED, responses=_TOO_LARGE)
async def recover_password(
    mails: AccountMailsDep, background: BackgroundTasks, recovery: PasswordRecovery
) -> Message:
    """Mail a password reset token to this address if an account has it. The answer, and
    how long it takes, are the same whether or not one does."""
    background.add_task(mails.send_password_reset, recovery.email)
    return RECOVERY_ACCEPTED


@router.post("/reset-password", responses=_BAD_TOKEN)
async def reset_password(
    session: SessionDep, settings: SettingsDep, reset: PasswordReset
) -> Message:
    """Choose a new password with the token of a password reset mail; the token then stops
    working, and so does every access token issued before."""
    await reset_with_token(
        session, token=reset.token, new_password=reset.new_password, settings=settings
    )
    return Message(message="Password changed: log in with the new one")


@router.post("/verify-email", responses=_BAD_TOKEN)
async def verify_email(
    session: SessionDep, settings: SettingsDep, verification: EmailVerification
) -> UserPublic:
    """Verify an email address with the token of a verification mail."""
    user = await verify_address(session, token=verification.token, settings=settings)
    return UserPublic.model_validate(user)
