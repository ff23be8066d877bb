"""The caller's own account, sessions and API keys, and for superusers every account, at
`/users`."""

from ..core.domain import Domain
from .api_keys import router as api_keys_router
from .router import router

domain = Domain(name="accounts", routers=(router, api_keys_router))
