"""The services the auth endpoints use, from the application context: the login throttle,
the account mails' limits, and who the client is."""

from typing import Annotated

from fastapi import Depends, Request

from ..infra.context import ContextDep
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
