"""Pagination: limit/offset pages for browsing, and keyset pages (an opaque `cursor`) that stay
correct while rows come and go, with `Link` headers (RFC 8288) to the next and previous
ones; one response shape for both."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .schemas import MAX_DB_INT

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")
KeysetPageT = TypeVar("KeysetPageT", bound="KeysetPage[Any]")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CURSOR_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    """A place in a newest-first list, between two rows: the page after the row
    (`created_at`, `row_id`), or with `backwards` the page before it."""

    created_at: datetime
    row_id: int
    backwards: bool = False

    def encode(self) -> str:
        place = [self.created_at.isoformat(), self.row_id, self.backwards]
        return base64.urlsafe_b64encode(json.dumps(place).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The cursor `encode` wrote; ValueError for anything else."""
        try:
            created_at, row_id, backwards = json.loads(base64.urlsafe_b64decode(text + "==="))
            cursor = cls(datetime.fromisoformat(created_at), row_id, backwards)
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
            raise ValueError("not a cursor") from None
        if (
            cursor.created_at.tzinfo is None
            or type(row_id) is not int
            or type(backwards) is not bool
        ):
            raise ValueError("not a cursor")
        return cursor


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int
    cursor: Cursor | None = None


_Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
_Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Items to skip.")]


async def _page_params(limit: _Limit = DEFAULT_LIMIT, offset: _Offset = 0) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


@dataclass(frozen=True, slots=True)
class Paginated(Generic[RowT]):
    """One page of rows, as `paginate` and `Owned.page` return them: an offset page knows
    the total across all pages; a keyset page (and an offset page of a keyset list) the
    cursors to the pages beside it."""

    items: Sequence[RowT]
    total: int | None
    limit: int
    offset: int | None
    next_cursor: str | None = None
    prev_cursor: str | None = None


@lru_cache(maxsize=256)
def _page_and_count(statement: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    """`statement` limited to a page (its bounds as parameters), each row carrying the total,
    and the count alone, built once per statement, so SQLAlchemy reuses their compiled form.

    The total is an uncorrelated scalar subquery, which the database runs once: the page and
    its total come in one round trip and from one snapshot, so a read needs no transaction.
    Not `count(*) OVER ()`: a window makes PostgreSQL read every matching row before the first
    of the page, which costs more the longer the list grows.
    """
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    page = (
        statement.add_columns(count.scalar_subquery().label("page_total"))
        .limit(bindparam("page_limit"))
        .offset(bindparam("page_offset"))
    )
    return page, count


async def paginate(
    session: AsyncSession, statement: Select[RowT], page: PageParams, **params: Any
) -> Paginated[RowT]:
    """One page of `statement`'s rows (its first column) and how many it selects in all.

    Build `statement` once, at import, with `bindparam()` for what varies per request, and pass
    those values as keywords: `paginate(session, OWN_TODOS, page, owner_id=user.id)`.
    """
    page_statement, count_statement = _page_and_count(statement)
    bounds = {"page_limit": page.limit, "page_offset": page.offset}
    rows = (await session.execute(page_statement, {**params, **bounds})).all()
    if rows:
        total = int(rows[0][-1])
    elif page.offset == 0:
        total = 0
    else:  # past the end: no row carries the total
        total = await session.scalar(count_statement, params) or 0
    items: list[RowT] = [row[0] for row in rows]
    return Paginated(items=items, total=total, limit=page.limit, offset=page.offset)


class _Items(BaseModel, Generic[ItemT]):
    model_config = ConfigDict(from_attributes=True)

    items: list[ItemT]
    limit: int


class Page(_Items[ItemT], Generic[ItemT]):
    """A page of a list endpoint; subclass it per item type to give the schema a name
    (`class UsersPublic(Page[UserPublic])`) and validate a `Paginated` into it."""

    total: int
    offset: int


class KeysetPage(_Items[ItemT], Generic[ItemT]):
    """A page of a list that also pages by cursor (`KeysetPageDep`): at an offset as `Page`,
    or from a cursor, without `total` and `offset` (counting every row is what keyset pages
    avoid); either way with the cursors to the pages beside it (`Link` has them too), null
    at an end."""

    total: int | None
    offset: int | None
    next_cursor: str | None
    prev_cursor: str | None


@dataclass(frozen=True, slots=True)
class KeysetPageRequest:
    """The page a keyset list was asked for, and how to answer it: the page validated into
    its schema, with a `Link` header to the pages beside it."""

    params: PageParams
    request: Request
    response: Response

    def answer(self, schema: type[KeysetPageT], page: Paginated[Any]) -> KeysetPageT:
        url = self.request.url.remove_query_params("offset")
        links = [
            f'<{url.include_query_params(cursor=cursor)}>; rel="{rel}"'
            for rel, cursor in (("next", page.next_cursor), ("prev", page.prev_cursor))
            if cursor is not None
        ]
        if links:
            self.response.headers["Link"] = ", ".join(links)
        return schema.model_validate(page)


async def _keyset_page_request(
    request: Request,
    response: Response,
    limit: _Limit = DEFAULT_LIMIT,
    offset: _Offset = 0,
    cursor: Annotated[
        str | None,
        Query(
            max_length=_CURSOR_MAX_LENGTH,
            pattern="^[A-Za-z0-9_-]+$",
            description="Where the page starts: a `next_cursor` or `prev_cursor` of a page.",
        ),
    ] = None,
) -> KeysetPageRequest:
    place = None
    if cursor is not None:
        try:
            place = Cursor.decode(cursor)
        except ValueError:
            place = None
        problem = "Not a cursor of this list" if place is None else None
        if offset and problem is None:
            problem = "A cursor page takes no offset"
        if problem is not None:
            error = {"type": "cursor", "loc": ("query", "cursor"), "msg": problem, "input": cursor}
            raise RequestValidationError([error])
    params = PageParams(limit=limit, offset=offset, cursor=place)
    return KeysetPageRequest(params, request, response)


KeysetPageDep = Annotated[KeysetPageRequest, Depends(_keyset_page_request)]
