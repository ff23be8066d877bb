"""Constrained field types shared by the domains' request schemas."""

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, StringConstraints

# Largest value of a PostgreSQL `integer`; bigger ids cannot exist and must not reach the DB.
MAX_DB_INT = 2_147_483_647

# PostgreSQL text cannot hold NUL; rejecting it here turns a would-be 500 into a 422.
_NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=_NO_NUL)]

ResourceId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]


class RequestBody(BaseModel):
    """A JSON request body: types as documented, so `"completed": 0` is a 422, not False."""

    model_config = ConfigDict(strict=True)
