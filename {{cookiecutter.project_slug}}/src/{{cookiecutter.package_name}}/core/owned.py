"""The rules every owned resource shares, written once: the owner's row by id (someone
else's answers exactly like a missing one), the owner's rows newest first, creating a row
for its owner, updating it, deleting it. A domain states only its own fields and rules."""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, bindparam, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from .exceptions import DomainError
from .models import OwnedMixin
from .pagination import PageParams, Paginated, paginate

ModelT = TypeVar("ModelT", bound=OwnedMixin)


def equal_unless_none(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """A list filter built once: `column` equals the parameter of its name, and a None there
    keeps every row (the filter was not asked for)."""
    value = bindparam(column.key, type_=column.type)
    return or_(value.is_(None), column == value)


class Owned(Generic[ModelT]):
    """The owned rows of `model`; `not_found` is raised for a missing or foreign one.

    Statements are built once, with parameters for what varies, so SQLAlchemy reuses their
    compiled form: narrow `newest_first` with `.where(...)` at import, never per request.
    """

    def __init__(self, model: type[ModelT], *, not_found: type[DomainError]) -> None:
        self.model = model
        self.not_found = not_found
        self.by_id = select(model).where(model.id == bindparam("row_id"))
        self.newest_first = (
            select(model)
            .where(model.owner_id == bindparam("owner_id"))
            .order_by(model.created_at.desc(), model.id.desc())
        )
        # A null in an update clears these; for NOT NULL columns it leaves them unchanged.
        self.clearable = frozenset(
            column.key for column in inspect(model).columns if column.nullable
        )

    async def get(self, session: AsyncSession, *, owner_id: int, row_id: int) -> ModelT:
        row = await session.scalar(self.by_id, {"row_id": row_id})
        if row is None or row.owner_id != owner_id:
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
        """A page of the owner's rows of `statement` (by default `newest_first`)."""
        statement = self.newest_first if statement is None else statement
        return await paginate(session, statement, page, owner_id=owner_id, **params)

    async def all(self, session: AsyncSession, *, owner_id: int) -> list[ModelT]:
        """Every row of the owner, newest first (for exports, which are not paginated)."""
        return list(await session.scalars(self.newest_first, {"owner_id": owner_id}))

    async def create(self, session: AsyncSession, *, owner_id: int, values: BaseModel) -> ModelT:
        row = self.model()
        for name, value in values.model_dump().items():
            setattr(row, name, value)
        row.owner_id = owner_id
        session.add(row)
        await session.commit()
        return row

    async def update(self, session: AsyncSession, *, row: ModelT, changes: BaseModel) -> ModelT:
        """Set the fields the request sent; a null clears a nullable column and leaves a
        required one unchanged."""
        for name, value in changes.model_dump(exclude_unset=True).items():
            if value is not None or name in self.clearable:
                setattr(row, name, value)
        await session.commit()
        return row

    async def delete(self, session: AsyncSession, *, row: ModelT) -> None:
        await session.delete(row)
        await session.commit()
