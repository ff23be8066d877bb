"""Request and response bodies for todos."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..core.pagination import KeysetPage
from ..core.schemas import RequestBody, Text
from .models import TITLE_MAX_LENGTH

Title = Annotated[Text, Field(min_length=1, max_length=TITLE_MAX_LENGTH)]
Description = Annotated[Text, Field(max_length=10_000)]


class TodoCreate(RequestBody):
    title: Title
    description: Description | None = None
    completed: bool = False


class TodoUpdate(RequestBody):
    title: Title | None = None
    description: Description | None = None
    completed: bool | None = None


class TodoPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    completed: bool
    owner_id: int
    created_at: datetime
    updated_at: datetime


class TodosPublic(KeysetPage[TodoPublic]):
    pass
