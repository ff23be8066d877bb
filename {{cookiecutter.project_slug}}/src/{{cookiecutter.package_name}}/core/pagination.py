"""Limit/offset pagination shared by every list endpoint."""

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from .schemas import MAX_DB_INT


class PageParams(BaseModel):
    limit: int
    offset: int


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


class PageMeta(BaseModel):
    """The fields every page carries besides its `items`."""

    total: int
    limit: int
    offset: int
