"""Registration, the OAuth2 password flow's token endpoint, password recovery, email
verification, and the caller's second factor."""

from ..core.domain import Domain
from .router import router
from .totp import router as totp_router

domain = Domain(name="auth", routers=(router, totp_router))
