"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from .core.db import Base
from .todos.models import Todo
from .users.models import User

__all__ = ["Base", "Todo", "User"]
