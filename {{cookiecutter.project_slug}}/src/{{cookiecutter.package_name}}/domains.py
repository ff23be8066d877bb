{%- set admin = cookiecutter.admin == "y" -%}
"""Every domain of the application, imported by name, so tools and readers can follow them:
adding a resource is one import and one entry in `DOMAINS` (`new-resource` writes both)."""

from fastapi import APIRouter
from sqlalchemy import MetaData

from .accounts import domain as accounts
from .audit import domain as audit
from .auth import domain as auth
from .core.db import Base
from .core.domain import Domain, JobFunction, Permission, Schedule
{%- if admin %}
from .core.models import OwnedMixin
{%- endif %}
from .idempotency import domain as idempotency
from .identity import domain as identity
from .infra.outbox import domain as outbox
from .infra.schedules import domain as scheduler
from .jobs import domain as jobs
from .roles import domain as roles
from .todos import domain as todos
from .users import domain as users

DOMAINS: tuple[Domain, ...] = (
    outbox,
    scheduler,
    users,
    identity,
    auth,
    accounts,
    roles,
    audit,
    idempotency,
    jobs,
    todos,
)


def api_routers() -> list[APIRouter]:
    """Every domain's routers, to be mounted under the API prefix."""
    return [router for domain in DOMAINS for router in domain.routers]


def permissions() -> dict[str, Permission]:
    """Every permission the domains declare, by name."""
    return {permission.name: permission for domain in DOMAINS for permission in domain.permissions}


def job_functions() -> dict[str, JobFunction]:
    """What each kind of job does, by kind, over every domain."""
    return {kind: function for domain in DOMAINS for kind, function in domain.jobs.items()}


def schedules() -> dict[str, Schedule]:
    """Every domain's schedules, by name: a domain adds one to its declaration (`Domain(
    schedules=...)`), next to the function it runs, and both runners pick it up."""
    return {schedule.name: schedule for domain in DOMAINS for schedule in domain.schedules}
{%- if admin %}


def admin_models() -> list[type[OwnedMixin]]:
    """The tables the admin site shows on its owned-resource pages."""
    return [model for domain in DOMAINS for model in domain.admin_models]
{%- endif %}


def metadata() -> MetaData:
    """The whole schema (every domain's tables are imported above), as Alembic compares it."""
    return Base.metadata
