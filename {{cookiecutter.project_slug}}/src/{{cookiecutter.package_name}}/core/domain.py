{%- set admin = cookiecutter.admin == "y" -%}
"""What a domain package declares about itself. `domains.py` lists every declaration, and
the app (routes), Alembic (tables), the admin site, the job runner and the permissions
(roles and API keys) read that list."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from .config import Settings
from .db import Base
{%- if admin %}
from .models import OwnedMixin
{%- endif %}

# What a kind of job does: given a session and the job's owner, its JSON result.
JobFunction = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]
# What a schedule does at each tick, in a session its runner commits.
ScheduleFunction = Callable[[AsyncSession, Settings], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Work run at every tick, once per tick however many processes there are: by Celery beat
    with Celery, else by whichever web process claims the tick first."""

    name: str
    run: ScheduleFunction
    # Seconds between ticks, from the settings.
    every: Callable[[Settings], float]


def every_purge(settings: Settings) -> float:
    """The built-in purges' interval: PURGE_EVERY_SECONDS."""
    return settings.purge_every_seconds


@dataclass(frozen=True, slots=True)
class Permission:
    """Something a role may allow, named `<resource>:<action>`: the name routes require, roles
    list and API keys carry as a scope."""

    name: str
    description: str
    # Held by the built-in `member` role: what every registered user may do.
    member: bool = False


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
    # What the domain's routes require (and roles and API keys may hold).
    permissions: Sequence[Permission] = ()
    # The work the domain runs on a schedule, declared next to the function it runs.
    schedules: Sequence[Schedule] = ()


@dataclass(frozen=True, slots=True)
class Access:
    """What reaching a row by id needs: `own` for one's own rows, and `anyone` as well for
    everyone's."""

    own: str
    anyone: str


@dataclass(frozen=True, slots=True)
class ResourcePermissions:
    """The four permissions of an owned resource: `todos:read` (list, read, export) and
    `todos:write` (create, change, delete) on one's own rows, which members hold, and
    `todos:read-any`, `todos:write-any` on everyone's, which roles grant."""

    resource: str
    words: str

    @property
    def read(self) -> str:
        return f"{self.resource}:read"

    @property
    def write(self) -> str:
        return f"{self.resource}:write"

    @property
    def read_any(self) -> str:
        return f"{self.resource}:read-any"

    @property
    def write_any(self) -> str:
        return f"{self.resource}:write-any"

    @property
    def to_read(self) -> Access:
        return Access(own=self.read, anyone=self.read_any)

    @property
    def to_change(self) -> Access:
        return Access(own=self.write, anyone=self.write_any)

    def declared(self) -> tuple[Permission, ...]:
        return (
            Permission(self.read, f"Read your {self.words}", member=True),
            Permission(self.write, f"Create, change and delete your {self.words}", member=True),
            Permission(self.read_any, f"Read anyone's {self.words}"),
            Permission(self.write_any, f"Change and delete anyone's {self.words}"),
        )
