"""Limit/offset pagination: one query parameter set, one query helper, one response shape."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .schemas import MAX_DB_INT

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


@dataclass(frozen=True, slots=True)
class Paginated(Generic[RowT]):
    """One page of rows and the total across all pages, as `paginate` returns them."""

    items: Sequence[RowT]
    total: int
    limit: int
    offset: int


async def paginate(
    session: AsyncSession, statement: Select[RowT], page: PageParams
) -> Paginated[RowT]:
    """Run `statement` for one page, and count every row it selects (filters included)."""
    total_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    total = await session.scalar(total_statement) or 0
    items = (await session.scalars(statement.limit(page.limit).offset(page.offset))).all()
    return Paginated(items=items, total=total, limit=page.limit, offset=page.offset)


class Page(BaseModel, Generic[ItemT]):
    """A page of a list endpoint; subclass it per item type to give the schema a name
    (`class TodosPublic(Page[TodoPublic])`) and validate a `Paginated` into it."""

    model_config = ConfigDict(from_attributes=True)

    items: list[ItemT]
    total: int
    limit: int
    offset: int
