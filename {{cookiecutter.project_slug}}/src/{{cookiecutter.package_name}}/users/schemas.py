"""Request and response bodies for users."""

from datetime import datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from ..core.pagination import Page
from ..core.schemas import RequestBody, Text
from .password_policy import PASSWORD_MAX_LENGTH

EMAIL_MAX_LENGTH = 254  # the longest address SMTP can carry (RFC 5321)


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively: store and look them up in one normal form."""
    return email.strip().lower()


def validate_email_address(email: str) -> str:
    """The address in normal form, or ValueError; the check of every email field."""
    try:
        # Syntax only: no DNS at sign-up. Of the special-use names, the documentation and test
        # ones are addresses like any other (RFC 6761 §6.2, §6.5: example.com, .example, .test;
        # email-validator wants `test_environment` for .test); .invalid (§6.4: never resolves)
        # and .localhost (§6.3: the server itself) can never reach the account's owner, and
        # stay refused, as do .local, .onion and .arpa.
        validate_email(
            email, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    return normalise_email(email)


Email = Annotated[
    str,
    AfterValidator(validate_email_address),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX_LENGTH}),
]
# A new password: the schema bounds its size; the rest of the policy (which needs the
# settings and the account) is checked by the service, and refusals are 422s all the same.
Password = Annotated[
    Text,
    Field(
        max_length=PASSWORD_MAX_LENGTH,
        description="NIST SP 800-63B: PASSWORD_MIN_LENGTH characters or more (8 by default), "
        "any characters; not a common or breached password or dictionary word, not repetitive "
        "or sequential, not made of the account's email or the service's name.",
    ),
]
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
    """What a manager of users may change on another account: deactivate it, or reactivate it."""

    is_active: bool


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_verified: bool
    roles: list[str] = Field(
        validation_alias="role_names", description="The names of the roles the user holds"
    )
    created_at: datetime
    updated_at: datetime


class UsersPublic(Page[UserPublic]):
    pass
