"""Bodies of the auth endpoints."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..core.schemas import RequestBody, Text
from ..users.schemas import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, Email, Password


class LoginForm(BaseModel):
    """The OAuth2 password grant's form; `username` is the account's email. Not a
    `RequestBody`: other fields are ignored, since clients send `scope` and may send
    `client_id` (RFC 6749 §4.3.2, §2.3.1)."""

    grant_type: Literal["password"] = "password"
    username: Annotated[Text, Field(min_length=1, max_length=EMAIL_MAX_LENGTH)]
    password: Annotated[Text, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # the OAuth2 token type


# A signed JWT is a few hundred characters; anything far longer is not one of ours.
TokenText = Annotated[Text, Field(min_length=1, max_length=2048)]


class PasswordRecovery(RequestBody):
    email: Email


class PasswordReset(RequestBody):
    token: TokenText
    new_password: Password


class EmailVerification(RequestBody):
    token: TokenText


class Message(BaseModel):
    message: str
