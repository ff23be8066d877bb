"""The caller's own account, and for superusers every account, at `/users`."""

from ..core.domain import Domain
from .router import router

domain = Domain(name="accounts", routers=(router,))
