"""Roles made at run time and who holds which (`/roles`, `/users/{id}/roles`), and the list of
every permission the domains declare (`/permissions`)."""

from ..core.domain import Domain
from .dependencies import MANAGE_ROLES
from .router import router

domain = Domain(name="roles", routers=(router,), permissions=(MANAGE_ROLES,))
