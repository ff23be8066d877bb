{%- set admin = cookiecutter.admin == "y" -%}
"""What a domain package declares about itself. `domains.py` lists every declaration, and
the app (routes), Alembic (tables), the admin site, the job runner and API keys (scopes) read
that list."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from .db import Base
{%- if admin %}
from .models import OwnedMixin
{%- endif %}

# What a kind of job does: given a session and the job's owner, its JSON result.
JobFunction = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    routers: Sequence[APIRouter] = ()
    models: Sequence[type[Base]] = ()
{%- if admin %}
    # The tables the admin site shows on its owned-resource pages.
    admin_models: Sequence[type[OwnedMixin]] = ()
{%- endif %}
    # The kinds of job the domain runs, by name (stored in each job's row).
    jobs: Mapping[str, JobFunction] = field(default_factory=dict)
    # The scopes an API key may be given for the domain's routes, with what each allows.
    scopes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResourceScopes:
    """The two scopes of an owned resource: `todos:read` (list, read, export) and
    `todos:write` (create, change, delete)."""

    resource: str
    words: str

    @property
    def read(self) -> str:
        return f"{self.resource}:read"

    @property
    def write(self) -> str:
        return f"{self.resource}:write"

    def described(self) -> dict[str, str]:
        return {
            self.read: f"Read your {self.words}",
            self.write: f"Create, change and delete your {self.words}",
        }
