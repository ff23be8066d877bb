"""The services the auth endpoints use, from the application context: the login throttle,
the account mails' limits, who the client is, and the anonymous endpoints' rate limit."""

from typing import Annotated

from fastapi import Depends, Request, Response

from ..infra.context import ContextDep, RateLimitsDep
from ..infra.throttle import MailLimits, Throttle


async def _login_throttle(context: ContextDep) -> Throttle:
    return context.login_throttle


LoginThrottleDep = Annotated[Throttle, Depends(_login_throttle)]


async def _mail_limits(context: ContextDep) -> MailLimits:
    return context.mail_limits


MailLimitsDep = Annotated[MailLimits, Depends(_mail_limits)]


async def _client_address(request: Request) -> str:
    """The client's address (behind a proxy, as gunicorn's `forwarded_allow_ips` trusts it)."""
    return request.client.host if request.client else "unknown"


ClientAddressDep = Annotated[str, Depends(_client_address)]


async def charge_client(
    limits: RateLimitsDep, client: ClientAddressDep, request: Request, response: Response
) -> None:
    """Charge the request to the client's address (RATE_LIMIT_AUTH): these endpoints have no
    caller yet."""
    await limits.auth.charge(f"client:{client}", request, response)
