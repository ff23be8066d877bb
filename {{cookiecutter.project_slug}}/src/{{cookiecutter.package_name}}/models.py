"""Every table, loaded in one place so Alembic, the CLI and the tests see the whole schema."""

from .core.db import Base
from .domains import import_models

import_models()

__all__ = ["Base"]
