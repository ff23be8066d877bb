"""The caller's second factor (TOTP, RFC 6238): enrol, confirm with a first code (which
yields the recovery codes, shown once), and turn it off with a fresh code. Wrong codes are
throttled per account like wrong passwords."""

from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from ..core.config import PROJECT_NAME
from ..core.responses import error_responses
from ..core.schemas import RequestBody, Text
from ..identity.dependencies import CurrentUser
from ..identity.principal import Principal
from ..identity.totp import (
    accept_code_or_recovery_code,
    confirm,
    credential_of,
    disable,
    start_enrolment,
)
from ..infra.context import SessionDep
from ..infra.throttle import Throttle
from .dependencies import LoginThrottleDep
from .exceptions import (
    NoEnrolmentError,
    SecondFactorAlreadyOnError,
    SecondFactorOffError,
    TooManyLoginAttemptsError,
    WrongCodeError,
)

router = APIRouter(
    prefix="/users/me/totp",
    tags=["totp"],
    responses=error_responses(
        status.HTTP_401_UNAUTHORIZED, status.HTTP_409_CONFLICT, status.HTTP_413_CONTENT_TOO_LARGE
    ),
)


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32, for apps that take it typed in")
    otpauth_uri: str = Field(description="The otpauth:// URI that authenticator apps read")
    qr_image: str = Field(description="The URI as a QR code: a PNG `data:` URI for an <img>")


class TotpCode(RequestBody):
    code: Annotated[Text, Field(min_length=1, max_length=32)] = Field(
        description="The app's current code; to turn it off, a recovery code will also do"
    )


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(
        description="Each works once instead of a code; shown this once, stored only hashed"
    )


async def _refuse_when_throttled(throttle: Throttle, user: Principal) -> None:
    if retry_after := await throttle.retry_after(f"totp|{user.id}"):
        raise TooManyLoginAttemptsError(retry_after)


async def _count(throttle: Throttle, user: Principal, *, accepted: bool) -> None:
    """A wrong code counts against the account, like a wrong password."""
    if not accepted:
        await throttle.record_failure(f"totp|{user.id}")
        raise WrongCodeError
    await throttle.reset(f"totp|{user.id}")


@router.post("", status_code=status.HTTP_201_CREATED)
async def enrol(session: SessionDep, user: CurrentUser) -> TotpEnrolment:
    """Start turning a second factor on: show the QR code (or the secret) to the user's
    authenticator app, then confirm with its first code. Until then, logins need no code."""
    credential = await credential_of(session, user_id=user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise SecondFactorAlreadyOnError
    enrolment = await start_enrolment(session, user=user, issuer=PROJECT_NAME)
    return TotpEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_image=enrolment.qr_image
    )


@router.post("/confirm", responses=error_responses(status.HTTP_429_TOO_MANY_REQUESTS))
async def confirm_enrolment(
    session: SessionDep, user: CurrentUser, throttle: LoginThrottleDep, body: TotpCode
) -> RecoveryCodes:
    """Turn the second factor on with the app's first code: from now on the password grant
    needs `otp` too. The answer holds the recovery codes: keep them somewhere safe."""
    credential = await credential_of(session, user_id=user.id)
    if credential is None or credential.confirmed_at is not None:
        raise NoEnrolmentError
    await _refuse_when_throttled(throttle, user)
    codes = await confirm(session, credential=credential, code=body.code)
    await _count(throttle, user, accepted=bool(codes))
    return RecoveryCodes(recovery_codes=codes)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(status.HTTP_429_TOO_MANY_REQUESTS),
)
async def turn_off(
    session: SessionDep, user: CurrentUser, throttle: LoginThrottleDep, body: TotpCode
) -> None:
    """Turn the second factor off, with a fresh code (or a recovery code)."""
    credential = await credential_of(session, user_id=user.id)
    if credential is None or credential.confirmed_at is None:
        raise SecondFactorOffError
    await _refuse_when_throttled(throttle, user)
    accepted = await accept_code_or_recovery_code(session, user_id=user.id, code=body.code)
    await _count(throttle, user, accepted=accepted)
    await disable(session, user_id=user.id)
