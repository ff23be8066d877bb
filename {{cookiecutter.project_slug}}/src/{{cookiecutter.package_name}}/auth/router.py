"""Registration, the OAuth2 password flow's token endpoint, password recovery by mail and
email verification."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from ..core.responses import error_responses
from ..identity.exceptions import NO_STORE
from ..identity.sessions import IssuedTokens, refresh_session, revoke_token, start_session
from ..infra.context import SessionDep, SettingsDep
from ..infra.outbox.dependencies import OutboxDep
from ..users.schemas import UserCreate, UserPublic
from ..users.service import create_user
from .dependencies import ClientAddressDep, LoginThrottleDep, MailLimitsDep, charge_client
from .mails import MAIL_TOPIC, AccountMail, account_mail
from .oauth2_form import TOKEN_MAX_LENGTH, PasswordGrant, read_grant, read_oauth2_form
from .refresh_cookie import clear_refresh_cookie, set_refresh_cookie
from .schemas import (
    EmailVerification,
    Message,
    PasswordRecovery,
    PasswordReset,
    RevocationRequest,
    Token,
    TokenError,
    TokenRequest,
    VerificationMailRequest,
)
from .service import authenticate, reset_with_token, verify_address

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(charge_client)])


def _form_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a form the handler reads itself (see oauth2_form.py)."""
    schema = {"type": "object", **model.model_json_schema()}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


_OAUTH2_ERROR: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {
        "model": TokenError,
        "description": "An OAuth2 error (RFC 6749 §5.2)",
    }
}

_TOO_LARGE = error_responses(status.HTTP_413_CONTENT_TOO_LARGE)
_BAD_TOKEN = error_responses(status.HTTP_400_BAD_REQUEST, status.HTTP_413_CONTENT_TOO_LARGE)

RECOVERY_ACCEPTED = Message(
    message="If an account has this address, a password reset mail is on its way to it"
)
VERIFICATION_ACCEPTED = Message(
    message="If an unverified account has this address, a verification mail is on its way to it"
)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE),
)
async def register(
    session: SessionDep,
    settings: SettingsDep,
    outbox: OutboxDep,
    limits: MailLimitsDep,
    client: ClientAddressDep,
    user_in: UserCreate,
) -> UserPublic:
    """With EMAIL_VERIFICATION_REQUIRED, mails a verification token, needed before login."""
    if settings.email_verification_required and await limits.admit(
        address=user_in.email, client=client
    ):
        # Committed with the account, or not at all (the address is taken): no mail then.
        outbox.record(MAIL_TOPIC, account_mail(AccountMail.VERIFICATION, user_in.email))
    user = await create_user(session, user_in=user_in, settings=settings)
    return UserPublic.model_validate(user)


@router.post(
    "/token",
    responses=_OAUTH2_ERROR
    | error_responses(status.HTTP_413_CONTENT_TOO_LARGE, status.HTTP_429_TOO_MANY_REQUESTS),
    openapi_extra=_form_body(TokenRequest),
    response_model_exclude_none=True,
)
async def login(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    client: ClientAddressDep,
) -> Token:
    """The OAuth2 token endpoint (RFC 6749): the password grant (§4.3; `username` is the
    account's email) starts a login session, the refresh_token grant (§6) renews it. Each
    refresh token works once: the answer carries the next one."""
    grant = await read_grant(request, settings=settings)
    tokens: IssuedTokens
    if isinstance(grant, PasswordGrant):
        login = await authenticate(
            session,
            email=grant.username,
            password=grant.password,
            client=client,
            throttle=throttle,
            require_verified=settings.email_verification_required,
            otp=grant.otp,
        )
        tokens = await start_session(
            session,
            user=login.user,
            user_agent=request.headers.get("user-agent"),
            settings=settings,
            second_factor=login.second_factor,
        )
    else:
        tokens = await refresh_session(
            session, refresh_token=grant.refresh_token, settings=settings
        )
    response.headers.update(NO_STORE)
    if settings.refresh_token_cookie:
        set_refresh_cookie(response, tokens.refresh_token, settings=settings)
    return Token(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=None if settings.refresh_token_cookie else tokens.refresh_token,
    )


@router.post(
    "/revoke",
    response_class=Response,
    responses=_OAUTH2_ERROR | error_responses(status.HTTP_413_CONTENT_TOO_LARGE),
    openapi_extra=_form_body(RevocationRequest),
)
async def revoke(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> None:
    """Token revocation (RFC 7009): a refresh or access token ends its login session, every
    token of it included. An unknown or expired token is answered the same 200 (§2.2).
    `token_type_hint` is accepted; both kinds are looked for whatever it says."""
    form = await read_oauth2_form(request)
    form.optional("token_type_hint", max_length=TOKEN_MAX_LENGTH)  # only refused if repeated
    await revoke_token(session, token=form.required("token"), settings=settings)
    response.headers.update(NO_STORE)
    if settings.refresh_token_cookie:
        clear_refresh_cookie(response)


@router.post("/password-recovery", status_code=status.HTTP_202_ACCEPTED, responses=_TOO_LARGE)
async def recover_password(
    session: SessionDep,
    outbox: OutboxDep,
    limits: MailLimitsDep,
    client: ClientAddressDep,
    recovery: PasswordRecovery,
) -> Message:
    """Mail a password reset token to this address if an account has it. The answer, and
    how long it takes, are the same whether or not one does, and past the mail limits
    (MAIL_MAX_PER_ADDRESS, MAIL_MAX_PER_CLIENT), when nothing is sent."""
    if await limits.admit(address=recovery.email, client=client):
        outbox.record(MAIL_TOPIC, account_mail(AccountMail.PASSWORD_RESET, recovery.email))
        await session.commit()
    return RECOVERY_ACCEPTED


@router.post("/verification-mail", status_code=status.HTTP_202_ACCEPTED, responses=_TOO_LARGE)
async def resend_verification(
    session: SessionDep,
    outbox: OutboxDep,
    limits: MailLimitsDep,
    client: ClientAddressDep,
    request_in: VerificationMailRequest,
) -> Message:
    """Mail a new verification token to this address if an account that has it is not
    verified yet; the answer is the same as for password recovery, whatever the case."""
    if await limits.admit(address=request_in.email, client=client):
        outbox.record(MAIL_TOPIC, account_mail(AccountMail.VERIFICATION, request_in.email))
        await session.commit()
    return VERIFICATION_ACCEPTED


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
