"""Request and response bodies for users."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from ..core.pagination import PageMeta
from ..core.schemas import RequestBody, Text


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Emails compare case-insensitively: store and look them up in one normal form.
Email = Annotated[EmailStr, AfterValidator(normalise_email)]
PASSWORD_MAX_LENGTH = 128
Password = Annotated[Text, Field(min_length=8, max_length=PASSWORD_MAX_LENGTH)]
FullName = Annotated[Text, Field(max_length=255)]


class UserCreate(RequestBody):
    email: Email
    password: Password
    full_name: FullName | None = None


class UserUpdate(RequestBody):
    # Documented in the schema too, so clients and fuzzers know the rule.
    model_config = ConfigDict(
        json_schema_extra={"dependentRequired": {"password": ["current_password"]}}
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


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime


class UsersPublic(PageMeta):
    items: list[UserPublic]
