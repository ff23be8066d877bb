{%- set admin = cookiecutter.admin == "y" -%}
"""What a domain package declares about itself. `domains.py` lists every declaration, and
the app (routes), Alembic (tables), the admin site and the job runner read that list."""

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
