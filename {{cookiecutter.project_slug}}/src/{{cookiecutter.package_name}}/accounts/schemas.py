"""Bodies of the caller's own sessions endpoints."""

from datetime import datetime

from pydantic import BaseModel, Field


class SessionPublic(BaseModel):
    """A login session: one login and the refreshes that followed it."""

    id: int
    created_at: datetime
    last_used_at: datetime = Field(description="The login or the latest refresh")
    client: str | None = Field(description="The User-Agent the client sent at login")
    current: bool = Field(description="The session of the token this request carries")


class SessionsPublic(BaseModel):
    items: list[SessionPublic]
