"""Constrained field types shared by the domains' request schemas."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
)

# The range of a PostgreSQL `integer`; bigger ids cannot exist and must not reach the DB.
MAX_DB_INT = 2_147_483_647
MIN_DB_INT = -MAX_DB_INT - 1

# PostgreSQL text cannot hold NUL; rejecting it here turns a would-be 500 into a 422.
_NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=_NO_NUL)]


# Request bodies reach validation already parsed from JSON, where dates, times and decimals
# are strings: the strict mode of `RequestBody` would refuse every one, so these types
# validate laxly, but take dates and times from ISO 8601 strings only (not Unix times).


def _iso_8601_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    return value


def _as_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+01:00 is a valid input whose UTC time falls before year 1.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


IsoDate = Annotated[date, Strict(False), BeforeValidator(_iso_8601_string)]
# A point in time: the offset is required (a naive time is a 422), stored and answered in UTC.
UTCTimestamp = Annotated[
    AwareDatetime, Strict(False), BeforeValidator(_iso_8601_string), AfterValidator(_as_utc)
]
# A JSON string ("12.50", exact) or number; NaN and infinities are refused.
DecimalNumber = Annotated[Decimal, Strict(False)]

ResourceId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]


class RequestBody(BaseModel):
    """A JSON request body: types as documented, so `"completed": 0` is a 422, not False, and
    only the documented fields, so a misspelt one is a 422 naming it, not a 200 that changes
    nothing (the OpenAPI document says `additionalProperties: false`)."""

    model_config = ConfigDict(strict=True, extra="forbid")
