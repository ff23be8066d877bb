"""Owned's writes refuse a reference to a row the owner does not own, on tables of this test's
own (the shipped resources refer to none; `new-resource NAME:ref` makes ones that do)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import create_db_engine
from {{ cookiecutter.package_name }}.core.exceptions import DomainError
from {{ cookiecutter.package_name }}.core.models import OwnedMixin
from {{ cookiecutter.package_name }}.core.owned import Owned

pytestmark = pytest.mark.anyio


class _Base(DeclarativeBase):
    metadata = MetaData()


# The table the owner's foreign key names, reduced to its id.
Table("users", _Base.metadata, Column("id", Integer, primary_key=True))


class Folder(OwnedMixin, _Base):
    __tablename__ = "folders"


class Sheet(OwnedMixin, _Base):
    __tablename__ = "sheets"

    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"))


class SheetIn(BaseModel):
    folder_id: int | None = None


class SheetNotFoundError(DomainError):
    pass


SHEETS = Owned(Sheet, not_found=SheetNotFoundError)
OWNER, SOMEONE_ELSE = 1, 2


@pytest.fixture
async def sheets_session(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncSession]:
    url = f"sqlite:///{tmp_path / 'owned.db'}"
    engine = create_db_engine(settings.model_copy(update={"database_url": url}))
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
        users = _Base.metadata.tables["users"]
        await connection.execute(users.insert(), [{"id": OWNER}, {"id": SOMEONE_ELSE}])
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    await engine.dispose()


async def _folder(session: AsyncSession, owner_id: int) -> int:
    folder = Folder(owner_id=owner_id)
    session.add(folder)
    await session.commit()
    return folder.id


async def test_a_reference_to_the_owners_row_is_written(sheets_session: AsyncSession) -> None:
    folder_id = await _folder(sheets_session, OWNER)
    sheet = await SHEETS.create(sheets_session, owner_id=OWNER, values=SheetIn(folder_id=folder_id))
    assert sheet.folder_id == folder_id
    await SHEETS.update(sheets_session, row=sheet, changes=SheetIn(folder_id=None))
    assert sheet.folder_id is None


@pytest.mark.parametrize("whose", ["someone else's", "missing"])
async def test_a_reference_to_another_owners_or_no_row_is_a_validation_error(
    sheets_session: AsyncSession, whose: str
) -> None:
    folder_id = await _folder(sheets_session, SOMEONE_ELSE) if whose != "missing" else 999
    expected = {
        "type": "owned_reference",
        "loc": ("body", "folder_id"),
        "msg": "Not the id of one of your folders",
        "input": folder_id,
    }
    with pytest.raises(RequestValidationError) as create:
        await SHEETS.create(sheets_session, owner_id=OWNER, values=SheetIn(folder_id=folder_id))
    assert list(create.value.errors()) == [expected]
    sheet = await SHEETS.create(sheets_session, owner_id=OWNER, values=SheetIn())
    with pytest.raises(RequestValidationError) as update:
        await SHEETS.update(sheets_session, row=sheet, changes=SheetIn(folder_id=folder_id))
    assert list(update.value.errors()) == [expected]
