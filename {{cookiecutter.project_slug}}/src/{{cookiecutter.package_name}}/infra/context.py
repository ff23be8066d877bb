"""The application's services, built once by the lifespan, and the dependencies that hand them
out: handlers ask for `ContextDep`, `SessionDep` or `SettingsDep`, never for `app.state`."""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from ..core.config import Settings
from ..core.domain import Permission
from .rate_limit import RateLimits
from .throttle import MailLimits, Throttle


class OutboxRelay(Protocol):
    async def relay(self, ids: Sequence[int] | None = None) -> int:
        """Hand the outbox's due messages (of `ids` only, if given) to the runner."""
        ...


# Checks one more service for /health/ready; raises when it cannot be reached.
ReadinessCheck = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    login_throttle: Throttle
    mail_limits: MailLimits
    rate_limits: RateLimits
    # Hands recorded jobs and mails to the runner (`infra/outbox`).
    outbox_relay: OutboxRelay
    # Every permission the domains declare, by name: what roles allow and API keys carry.
    permissions: Mapping[str, Permission]
    # Services besides the database that readiness reports, by name.
    readiness_checks: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    # The sessions of requests that only read (GET, HEAD); None: `session_factory`'s.
    read_session_factory: async_sessionmaker[AsyncSession] | None = None


def attach_context(app: Starlette, context: AppContext) -> None:
    app.state.context = context


def context_of(app: Starlette) -> AppContext:
    """The context the lifespan attached to `app`: the one place that reads `app.state`."""
    context: AppContext = app.state.context
    return context


async def _context(request: Request) -> AppContext:
    return context_of(request.app)


ContextDep = Annotated[AppContext, Depends(_context)]


async def _permissions(request: Request) -> Mapping[str, Permission]:
    return context_of(request.app).permissions


PermissionsDep = Annotated[Mapping[str, Permission], Depends(_permissions)]


async def _settings(request: Request) -> Settings:
    return context_of(request.app).settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _rate_limits(request: Request) -> RateLimits:
    return context_of(request.app).rate_limits


RateLimitsDep = Annotated[RateLimits, Depends(_rate_limits)]


_SHARED_SESSION = "app.session"


def share_session(request: Request, session: AsyncSession) -> None:
    """Have the request's handler use `session`, which the caller opened and will close (the
    one of a transaction that ends after the handler, as an idempotent request's does)."""
    request.scope[_SHARED_SESSION] = session


_READS = frozenset({"GET", "HEAD"})


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the engine the application opened at start-up."""
    shared: AsyncSession | None = request.scope.get(_SHARED_SESSION)
    if shared is not None:
        yield shared
        return
    context = context_of(request.app)
    factory = context.session_factory
    if request.method in _READS and context.read_session_factory is not None:
        factory = context.read_session_factory
    async with factory() as session:
        yield session


# Closed when the endpoint returns, not after the response is sent: the connection goes back
# to the pool while the response is still being written.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
