"""Browser mode (REFRESH_TOKEN_COOKIE): the refresh token lives in a cookie that scripts cannot
read (HttpOnly), sent only over HTTPS (Secure; browsers make an exception for localhost),
only with requests from this site (SameSite=Strict) and only to the token endpoint (Path). A
refresh grant without a `refresh_token` parameter takes the cookie's, and then must come
from this site or a CORS_ORIGINS origin (core/origin.py): the defence in depth against
cross-site request forgery, should a browser not honour SameSite.
"""

from fastapi import Request, Response

from ..core.config import Settings
from ..core.origin import from_trusted_origin
from ..identity.dependencies import TOKEN_URL
from ..identity.exceptions import InvalidGrantError, InvalidRequestError

REFRESH_COOKIE = "refresh_token"
_SECONDS_PER_DAY = 24 * 60 * 60


def set_refresh_cookie(response: Response, refresh_token: str, *, settings: Settings) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.refresh_token_idle_days * _SECONDS_PER_DAY,
        path=TOKEN_URL,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=TOKEN_URL, secure=True, httponly=True, samesite="strict"
    )


def refresh_token_from_cookie(request: Request, *, settings: Settings) -> str:
    """The refresh token of the cookie, for a request from a trusted origin."""
    if not from_trusted_origin(request.scope, settings.cors_origins):
        raise InvalidRequestError(
            "A refresh with the cookie must come from this site (Origin or Referer)"
        )
    refresh_token = request.cookies.get(REFRESH_COOKIE)
    if not refresh_token:
        raise InvalidGrantError("No refresh token: log in again")
    return refresh_token
