"""The domain packages, listed once. Each may have a `router.py` (mounted under the API
prefix) and a `models.py` (its tables); a new resource is one line in `DOMAINS`."""

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from fastapi import APIRouter

API_PREFIX = "/api/v1"

DOMAINS = (
    "auth",
    "users",
    "todos",
    "jobs",
)


def _import_each(kind: str) -> list[ModuleType]:
    """Each domain's `kind` module (router, models), for the domains that have one."""
    names = (f"{__package__}.{domain}.{kind}" for domain in DOMAINS)
    return [import_module(name) for name in names if find_spec(name) is not None]


def api_routers() -> list[APIRouter]:
    """Every domain's router, to be mounted under `API_PREFIX`."""
    return [module.router for module in _import_each("router")]


def import_models() -> None:
    """Import every domain's tables, so that `Base.metadata` holds the whole schema."""
    _import_each("models")
