"""User accounts: the table, its schemas and the queries and writes on it. Routes that act
on accounts live above the identity layer, in `auth` and `accounts`."""

from ..core.domain import Domain
from .models import Role, User, UserRole

domain = Domain(name="users", models=(User, Role, UserRole))
