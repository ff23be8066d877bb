"""The rules every owned resource shares, written once: the owner's row by id (someone
else's answers exactly like a missing one), the owner's rows newest first, creating a row
for its owner, updating it, deleting it, and refusing a reference to a row the owner does
not own. A domain states only its own fields and rules."""

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    inspect,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from .audit import record
from .exceptions import DomainError
from .models import OwnedMixin
from .pagination import Cursor, PageParams, Paginated, paginate

ModelT = TypeVar("ModelT", bound=OwnedMixin)


def equal_unless_none(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """A list filter built once: `column` equals the parameter of its name, and a None there
    keeps every row (the filter was not asked for)."""
    value = bindparam(column.key, type_=column.type)
    return or_(value.is_(None), column == value)


# Each model's references, found at its first write: by then every domain's tables are known,
# wherever their modules come in the import order.
_REFERENCES: dict[type[OwnedMixin], dict[str, tuple[str, Select[tuple[int]]]]] = {}


def owned_references(model: type[OwnedMixin]) -> dict[str, tuple[str, Select[tuple[int]]]]:
    """For each column of `model` that holds the id of another owned row (a foreign key other
    than the owner, to a table with an owner), that table's name and the query that finds
    the row if a given owner owns it."""
    if model in _REFERENCES:
        return _REFERENCES[model]
    references = {}
    for column in inspect(model).columns:
        for key in column.foreign_keys:
            table = key.column.table
            if column.key != "owner_id" and "owner_id" in table.c:
                owned = select(table.c.id).where(
                    table.c.id == bindparam("row_id"), table.c.owner_id == bindparam("owner_id")
                )
                # FOR KEY SHARE on PostgreSQL (SQLite has no row locks, and needs none): a
                # delete of that row waits for this write, so the foreign key cannot fail at
                # the commit as a 500; its ON DELETE then applies to this row too.
                locked = owned.with_for_update(read=True, key_share=True)
                references[column.key] = (table.name, locked)
    _REFERENCES[model] = references
    return references


async def unowned_reference(
    session: AsyncSession, model: type[OwnedMixin], *, owner_id: int, values: Mapping[str, Any]
) -> tuple[str, str] | None:
    """The first of `values` that refers to a row `owner_id` does not own (missing, or
    someone else's), as (field, the referenced table); None when every one is the owner's."""
    for name, (table, owned) in owned_references(model).items():
        row_id = values.get(name)
        params = {"row_id": row_id, "owner_id": owner_id}
        if row_id is not None and await session.scalar(owned, params) is None:
            return name, table
    return None


def _keyset_pages(
    statement: Select[Any], model: type[OwnedMixin]
) -> tuple[Select[Any], Select[Any]]:
    """`statement` (newest first) from a place on: the rows after it, and the rows before it
    (oldest first, to be reversed), each one more than a page to tell whether there are
    more. The plain `created_at` bound lets the owner's index start at the place, where the
    row comparison alone would be checked row by row."""
    created = bindparam("cursor_created", type_=model.created_at.type)
    row_id = bindparam("cursor_id", type_=Integer())
    place, cursor = tuple_(model.created_at, model.id), tuple_(created, row_id)
    after = statement.where(and_(model.created_at <= created, place < cursor))
    before = (
        statement.where(and_(model.created_at >= created, place > cursor))
        .order_by(None)
        .order_by(model.created_at, model.id)
    )
    limit = bindparam("page_limit", type_=Integer())
    return after.limit(limit), before.limit(limit)


def _place(row: OwnedMixin, *, backwards: bool = False) -> str:
    return Cursor(row.created_at, row.id, backwards).encode()


class Owned(Generic[ModelT]):
    """The owned rows of `model`; `not_found` is raised for a missing or foreign one.

    Statements are built once, with parameters for what varies, so SQLAlchemy reuses their
    compiled form: narrow `newest_first` with `.where(...)` at import, never per request.
    """

    def __init__(self, model: type[ModelT], *, not_found: type[DomainError]) -> None:
        self.model = model
        self.not_found = not_found
        self.table = inspect(model).local_table.name
        self.by_id = select(model).where(model.id == bindparam("row_id"))
        self.by_id_for_update = self.by_id.with_for_update()
        self.newest_first = (
            select(model)
            .where(model.owner_id == bindparam("owner_id"))
            .order_by(model.created_at.desc(), model.id.desc())
        )
        # Each list statement's keyset pages, built at its first keyset page.
        self._keyset: dict[Select[Any], tuple[Select[Any], Select[Any]]] = {}
        # A null in an update clears these; for NOT NULL columns it leaves them unchanged.
        self.clearable = frozenset(
            column.key for column in inspect(model).columns if column.nullable
        )

    async def _check_references(
        self, session: AsyncSession, *, owner_id: int, values: Mapping[str, Any]
    ) -> None:
        """A reference to a row that is missing or someone else's is a 422 naming the field,
        the same for both, like any other invalid field: it tells nothing of other ids."""
        if unowned := await unowned_reference(
            session, self.model, owner_id=owner_id, values=values
        ):
            name, table = unowned
            error = {
                "type": "owned_reference",
                "loc": ("body", name),
                "msg": f"Not the id of one of your {table.replace('_', ' ')}",
                "input": values[name],
            }
            raise RequestValidationError([error])

    async def get(
        self, session: AsyncSession, *, owner_id: int | None, row_id: int, for_update: bool = False
    ) -> ModelT:
        """The row of `owner_id` with this id; with `owner_id` None, anyone's. `for_update`
        locks it until the commit (PostgreSQL; SQLite has one writer at a time)."""
        statement = self.by_id_for_update if for_update else self.by_id
        row = await session.scalar(statement, {"row_id": row_id})
        if row is None or (owner_id is not None and row.owner_id != owner_id):
            raise self.not_found
        return row

    async def page(
        self,
        session: AsyncSession,
        *,
        owner_id: int,
        page: PageParams,
        statement: Select[ModelT] | None = None,
        **params: Any,
    ) -> Paginated[ModelT]:
        """A page of the owner's rows of `statement` (by default `newest_first`): at an
        offset, or from a cursor; either has the cursors to the pages beside it."""
        statement = self.newest_first if statement is None else statement
        if page.cursor is not None:
            return await self._keyset_page(
                session, statement, page.cursor, page.limit, owner_id=owner_id, **params
            )
        found = await paginate(session, statement, page, owner_id=owner_id, **params)
        items = found.items
        more = found.total is not None and page.offset + len(items) < found.total
        return Paginated(
            items=items,
            total=found.total,
            limit=page.limit,
            offset=page.offset,
            next_cursor=_place(items[-1]) if items and more else None,
            prev_cursor=_place(items[0], backwards=True) if items and page.offset else None,
        )

    async def _keyset_page(
        self,
        session: AsyncSession,
        statement: Select[ModelT],
        cursor: Cursor,
        limit: int,
        **params: Any,
    ) -> Paginated[ModelT]:
        if statement not in self._keyset:
            self._keyset[statement] = _keyset_pages(statement, self.model)
        after, before = self._keyset[statement]
        bounds = {
            "cursor_created": cursor.created_at,
            "cursor_id": cursor.row_id,
            "page_limit": limit + 1,
        }
        rows: Sequence[ModelT] = (
            await session.scalars(before if cursor.backwards else after, {**params, **bounds})
        ).all()
        more = len(rows) > limit
        items = list(reversed(rows[:limit])) if cursor.backwards else list(rows[:limit])
        if not items:
            # Past the end there is only the way back, to the page that ends (or starts) with
            # the cursor's row: ids are integers, so none comes between it and the next one.
            step = 1 if cursor.backwards else -1
            back = Cursor(cursor.created_at, cursor.row_id + step, not cursor.backwards).encode()
            next_cursor, prev_cursor = (back, None) if cursor.backwards else (None, back)
        else:
            next_cursor = _place(items[-1]) if more or cursor.backwards else None
            prev_cursor = _place(items[0], backwards=True) if more or not cursor.backwards else None
        return Paginated(
            items=items,
            total=None,
            limit=limit,
            offset=None,
            next_cursor=next_cursor,
            prev_cursor=prev_cursor,
        )

    async def all(self, session: AsyncSession, *, owner_id: int) -> list[ModelT]:
        """Every row of the owner, newest first (for exports, which are not paginated)."""
        return list(await session.scalars(self.newest_first, {"owner_id": owner_id}))

    async def create(self, session: AsyncSession, *, owner_id: int, values: BaseModel) -> ModelT:
        fields = values.model_dump()
        await self._check_references(session, owner_id=owner_id, values=fields)
        row = self.model()
        for name, value in fields.items():
            setattr(row, name, value)
        row.owner_id = owner_id
        session.add(row)
        await session.commit()
        return row

    async def update(self, session: AsyncSession, *, row: ModelT, changes: BaseModel) -> ModelT:
        """Set the fields the request sent; a null clears a nullable column and leaves a
        required one unchanged."""
        fields = changes.model_dump(exclude_unset=True)
        await self._check_references(session, owner_id=row.owner_id, values=fields)
        for name, value in fields.items():
            if value is not None or name in self.clearable:
                setattr(row, name, value)
        await session.commit()
        return row

    async def delete(self, session: AsyncSession, *, row: ModelT, actor_id: int) -> None:
        """Delete the row; someone else's (reached with `<resource>:write-any`) leaves an
        event in the audit trail."""
        if actor_id != row.owner_id:
            target = (self.table, row.id)
            action = f"{self.table}.deleted"
            record(session, action, actor_id=actor_id, target=target, owner=row.owner_id)
        await session.delete(row)
        await session.commit()
