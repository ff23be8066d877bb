"""What the running application keeps for the auth endpoints: the login throttle, and the
account mails' sender."""

from typing import Annotated

from fastapi import Depends, Request

from .mails import AccountMails
from .throttle import LoginThrottle


async def _login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(_login_throttle)]


async def _account_mails(request: Request) -> AccountMails:
    state = request.app.state
    return AccountMails(
        settings=state.settings, sender=state.mail_sender, session_factory=state.session_factory
    )


AccountMailsDep = Annotated[AccountMails, Depends(_account_mails)]
