"""Registration, the OAuth2 password flow's token endpoint, password recovery and email
verification."""

from ..core.domain import Domain
from .router import router

domain = Domain(name="auth", routers=(router,))
