"""Bodies of the caller's own sessions and API keys endpoints."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..core.schemas import RequestBody, Text
from ..identity.models import API_KEY_NAME_MAX_LENGTH

SCOPE_MAX_LENGTH = 100
SCOPES_PER_KEY_MAX = 100
EXPIRY_MAX_DAYS = 3650


class SessionPublic(BaseModel):
    """A login session: one login and the refreshes that followed it."""

    id: int
    created_at: datetime
    last_used_at: datetime = Field(description="The login or the latest refresh")
    client: str | None = Field(description="The User-Agent the client sent at login")
    current: bool = Field(description="The session of the token this request carries")


class SessionsPublic(BaseModel):
    items: list[SessionPublic]


ApiKeyName = Annotated[Text, Field(min_length=1, max_length=API_KEY_NAME_MAX_LENGTH)]
ScopeName = Annotated[Text, Field(min_length=1, max_length=SCOPE_MAX_LENGTH)]


class ApiKeyCreate(RequestBody):
    name: ApiKeyName = Field(description="What the key is for, to tell it apart later")
    scopes: list[ScopeName] = Field(
        min_length=1,
        max_length=SCOPES_PER_KEY_MAX,
        description="What the key may do: from `GET /api/v1/users/me/api-keys/scopes`",
    )
    expires_in_days: Annotated[int, Field(ge=1, le=EXPIRY_MAX_DAYS)] | None = Field(
        default=None, description="Days until the key stops working; never, if left out"
    )


class ApiKeyPublic(BaseModel):
    """An API key, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it by")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To the minute; null if never used")


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key: send it as `Authorization: Bearer <key>`. Shown once")


class ApiKeysPublic(BaseModel):
    items: list[ApiKeyPublic]


class ScopesPublic(BaseModel):
    scopes: dict[str, str] = Field(
        description="Every scope the caller may give a key: what it allows"
    )
