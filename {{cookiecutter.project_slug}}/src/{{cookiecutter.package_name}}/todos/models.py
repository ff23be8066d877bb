"""The todos table."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base
from ..core.models import OwnedMixin

TITLE_MAX_LENGTH = 200


class Todo(OwnedMixin, Base):
    __tablename__ = "todos"

    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(default=False)
