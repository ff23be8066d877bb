"""The login throttle the running application keeps."""

from typing import Annotated

from fastapi import Depends, Request

from .throttle import LoginThrottle


async def _login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(_login_throttle)]
