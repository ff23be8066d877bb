"""Reading the token and revocation endpoints' forms the way RFC 6749 asks: any bad form is
an `invalid_request` (§5.2), never a 422 or a 500, so that OAuth2 clients understand it."""

from dataclasses import dataclass
from typing import get_args

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from ..core.config import Settings
from ..identity.exceptions import (
    InvalidRequestError,
    InvalidScopeError,
    UnsupportedGrantTypeError,
)
from ..users.password_policy import PASSWORD_MAX_LENGTH
from ..users.schemas import EMAIL_MAX_LENGTH
from .refresh_cookie import refresh_token_from_cookie
from .schemas import GrantType

_FORM_TYPE = "application/x-www-form-urlencoded"
# Refresh tokens are 43 characters, access tokens a few hundred: longer is not one of ours.
TOKEN_MAX_LENGTH = 2048
OTP_MAX_LENGTH = 32


@dataclass(frozen=True, slots=True)
class PasswordGrant:
    username: str
    password: str
    # The second factor's code (or a recovery code), for an account that has one.
    otp: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    refresh_token: str


@dataclass(frozen=True, slots=True)
class OAuth2Form:
    fields: FormData

    def optional(self, name: str, *, max_length: int) -> str | None:
        """The parameter's value; a parameter sent twice is refused (RFC 6749 §3.2)."""
        values = self.fields.getlist(name)
        if len(values) > 1:
            raise InvalidRequestError(f"The {name} parameter is repeated")
        if not values:
            return None
        [value] = values
        if not isinstance(value, str) or "\x00" in value or len(value) > max_length:
            raise InvalidRequestError(f"The {name} parameter is malformed")
        return value

    def required(self, name: str, *, max_length: int = TOKEN_MAX_LENGTH) -> str:
        value = self.optional(name, max_length=max_length)
        if not value:
            raise InvalidRequestError(f"The {name} parameter is missing")
        return value


async def read_oauth2_form(request: Request) -> OAuth2Form:
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != _FORM_TYPE:
        raise InvalidRequestError(f"The body must be {_FORM_TYPE}")
    try:
        return OAuth2Form(await request.form())
    except HTTPException:  # Starlette's answer to a form it cannot parse
        raise InvalidRequestError("The form cannot be parsed") from None


_GRANT_TYPES: tuple[str, ...] = get_args(GrantType)


async def read_grant(request: Request, *, settings: Settings) -> PasswordGrant | RefreshGrant:
    form = await read_oauth2_form(request)
    grant_type = form.required("grant_type", max_length=TOKEN_MAX_LENGTH)
    if grant_type not in _GRANT_TYPES:
        raise UnsupportedGrantTypeError(f"Supported grant types: {', '.join(_GRANT_TYPES)}")
    # A login acts with its user's whole access: a narrower token is an API key's job.
    if form.optional("scope", max_length=TOKEN_MAX_LENGTH):
        raise InvalidScopeError(
            "A login is granted its user's whole access: leave scope empty, or create an API"
            " key with the scopes it needs"
        )
    if grant_type == "password":
        return PasswordGrant(
            username=form.required("username", max_length=EMAIL_MAX_LENGTH),
            password=form.required("password", max_length=PASSWORD_MAX_LENGTH),
            otp=form.optional("otp", max_length=OTP_MAX_LENGTH) or None,
        )
    refresh_token = form.optional("refresh_token", max_length=TOKEN_MAX_LENGTH)
    if refresh_token:
        return RefreshGrant(refresh_token)
    if settings.refresh_token_cookie:
        return RefreshGrant(refresh_token_from_cookie(request, settings=settings))
    raise InvalidRequestError("The refresh_token parameter is missing")
