"""Bodies of the auth endpoints."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..core.schemas import RequestBody, Text
from ..users.schemas import Email, Password

GrantType = Literal["password", "refresh_token"]


class TokenRequest(BaseModel):
    """The token endpoint's form (RFC 6749 §4.3.2, §6), as the OpenAPI document shows it;
    `auth/oauth2_form.py` reads it, so that every bad form is an OAuth2 error, not a 422."""

    grant_type: GrantType
    username: Annotated[str | None, Field(description="password grant: the account's email")] = None
    password: Annotated[str | None, Field(description="password grant")] = None
    otp: Annotated[
        str | None,
        Field(
            description="password grant, for an account with a second factor: its app's "
            "current code, or a recovery code (without it: error mfa_required)"
        ),
    ] = None
    refresh_token: Annotated[
        str | None,
        Field(description="refresh_token grant; in browser mode, left out: the cookie's is used"),
    ] = None
    scope: Annotated[
        str | None, Field(description="leave empty: a login gets its user's whole access")
    ] = None
    client_id: Annotated[str | None, Field(description="accepted and ignored")] = None


class RevocationRequest(BaseModel):
    """The revocation endpoint's form (RFC 7009 §2.1)."""

    token: Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^[^\x00]*$")]
    # RFC 7009 §2.1: a hint the server may ignore; both kinds are looked for, whatever it says.
    token_type_hint: str | None = None


class Token(BaseModel):
    """A successful token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # the OAuth2 token type
    expires_in: int = Field(description="Seconds the access token lasts")
    refresh_token: str | None = Field(
        default=None,
        description=(
            "Single use: each refresh answers with the next one. In browser mode"
            " (REFRESH_TOKEN_COOKIE) it is not here but in an HttpOnly cookie"
        ),
    )


class TokenError(BaseModel):
    """An error of the token or revocation endpoint (RFC 6749 §5.2)."""

    error: Literal[
        "invalid_request",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_scope",
        "mfa_required",
    ]
    error_description: str


# A signed JWT is a few hundred characters; anything far longer is not one of ours.
TokenText = Annotated[Text, Field(min_length=1, max_length=2048)]


class PasswordRecovery(RequestBody):
    email: Email


class VerificationMailRequest(RequestBody):
    email: Email


class PasswordReset(RequestBody):
    token: TokenText
    new_password: Password


class EmailVerification(RequestBody):
    token: TokenText


class Message(BaseModel):
    message: str
