"""Cross-site request forgery protection for the admin: an unsafe request (POST, DELETE, ...)
is served only when its Origin, or without one its Referer, is this site (core/origin.py); a
request with neither is refused too."""

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.origin import from_trusted_origin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_DETAIL = "Cross-site request refused"


class SameOriginMiddleware:
    """Refuse unsafe requests from other sites with a 403. Its responses ask browsers to send
    the Referer (and a real Origin) to this site: under the app's `no-referrer` policy a
    browser sends `Origin: null` with every form it posts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        unsafe = scope["type"] == "http" and scope["method"] not in SAFE_METHODS
        if unsafe and not from_trusted_origin(scope):
            refused = JSONResponse(
                {"detail": CROSS_SITE_DETAIL}, status_code=status.HTTP_403_FORBIDDEN
            )
            await refused(scope, receive, send)
            return

        async def send_with_referrer_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, send_with_referrer_policy)
