"""Request and response bodies for users."""

from datetime import datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from ..core.pagination import Page
from ..core.schemas import RequestBody, Text

EMAIL_MAX_LENGTH = 254  # the longest address SMTP can carry (RFC 5321)


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively: store and look them up in one normal form."""
    return email.strip().lower()


def _valid_email(email: str) -> str:
    try:
        # Syntax only: no DNS at sign-up, and reserved domains such as .test are fine.
        validate_email(email, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    return normalise_email(email)


Email = Annotated[
    str,
    AfterValidator(_valid_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX_LENGTH}),
]
PASSWORD_MAX_LENGTH = 128
PASSWORD_MIN_LENGTH = 8
Password = Annotated[Text, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
FullName = Annotated[Text, Field(max_length=255)]


class UserCreate(RequestBody):
    email: Email
    password: Password
    full_name: FullName | None = None


class UserUpdate(RequestBody):
    # Documented in the schema too, so clients and fuzzers know the rule.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["password"], "properties": {"password": {"type": "string"}}},
            "then": {
                "required": ["current_password"],
                "properties": {"current_password": {"type": "string"}},
            },
        }
    )

    full_name: FullName | None = None
    password: Password | None = None
    current_password: Annotated[Text, Field(max_length=PASSWORD_MAX_LENGTH)] | None = Field(
        default=None, description="Required to change the password."
    )

    @model_validator(mode="after")
    def _password_change_needs_the_current_one(self) -> "UserUpdate":
        if self.password is not None and self.current_password is None:
            raise ValueError("current_password is required to change the password")
        return self


class UserStatusUpdate(RequestBody):
    """What a superuser may change on another account: deactivate it, or reactivate it."""

    is_active: bool


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    is_verified: bool
    created_at: datetime
    updated_at: datetime


class UsersPublic(Page[UserPublic]):
    pass
