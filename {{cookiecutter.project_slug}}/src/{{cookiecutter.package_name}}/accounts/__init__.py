"""The caller's own account, sessions and API keys, and with `users:manage` every account,
at `/users`."""

from ..core.domain import Domain
from .api_keys import router as api_keys_router
from .dependencies import MANAGE_USERS
from .router import router

domain = Domain(name="accounts", routers=(router, api_keys_router), permissions=(MANAGE_USERS,))
