"""The services the auth endpoints use, from the application context: the login throttle,
and the account mails."""

from typing import Annotated

from fastapi import Depends

from ..infra.context import ContextDep
from ..infra.throttle import Throttle
from .mails import AccountMails


async def _login_throttle(context: ContextDep) -> Throttle:
    return context.login_throttle


LoginThrottleDep = Annotated[Throttle, Depends(_login_throttle)]


async def _account_mails(context: ContextDep) -> AccountMails:
    return AccountMails(
        settings=context.settings,
        sender=context.mail_sender,
        session_factory=context.session_factory,
    )


AccountMailsDep = Annotated[AccountMails, Depends(_account_mails)]
