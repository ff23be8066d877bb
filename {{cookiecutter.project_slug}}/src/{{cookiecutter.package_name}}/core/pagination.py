"""Limit/offset pagination: one query parameter set, one query helper, one response shape."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, bindparam, func, select
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


@lru_cache(maxsize=256)
def _page_and_count(statement: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    """`statement` limited to a page (its bounds as parameters) and its count, built once per
    statement, so SQLAlchemy reuses their compiled form instead of rebuilding the queries.

    Two queries, not one with `count(*) OVER ()`: a window makes PostgreSQL read every
    matching row before the first of the page, which costs more the longer the list grows.
    """
    page = statement.limit(bindparam("page_limit")).offset(bindparam("page_offset"))
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    return page, count


async def paginate(
    session: AsyncSession, statement: Select[RowT], page: PageParams, **params: Any
) -> Paginated[RowT]:
    """One page of `statement`'s rows and how many it selects in all.

    Build `statement` once, at import, with `bindparam()` for what varies per request, and pass
    those values as keywords: `paginate(session, OWN_TODOS, page, owner_id=user.id)`.
    """
    page_statement, count_statement = _page_and_count(statement)
    total = await session.scalar(count_statement, params) or 0
    bounds = {"page_limit": page.limit, "page_offset": page.offset}
    items = (await session.scalars(page_statement, {**params, **bounds})).all()
    return Paginated(items=items, total=total, limit=page.limit, offset=page.offset)


class Page(BaseModel, Generic[ItemT]):
    """A page of a list endpoint; subclass it per item type to give the schema a name
    (`class TodosPublic(Page[TodoPublic])`) and validate a `Paginated` into it."""

    model_config = ConfigDict(from_attributes=True)

    items: list[ItemT]
    total: int
    limit: int
    offset: int
