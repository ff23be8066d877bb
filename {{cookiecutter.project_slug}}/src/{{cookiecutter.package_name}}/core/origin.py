"""Where a request comes from, by OWASP's "verifying origin with standard headers": its
Origin header or, without one, its Referer. The CSRF defence of every endpoint that a
browser's cookie authenticates (the admin site, the refresh token in browser mode).

Behind a proxy, the scheme and host the browser used must reach the app: the Host header,
and X-Forwarded-Proto from a proxy listed in FORWARDED_ALLOW_IPS.
"""

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Scope


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def from_trusted_origin(scope: Scope, trusted: Collection[str] = ()) -> bool:
    """Whether the request's Origin (or, without one, its Referer) is this site or one of
    `trusted` (origins such as `https://app.example.com`); a request with neither is not."""
    headers = Headers(scope=scope)
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return False
    origin = _origin_of(source)
    return origin == _origin_of(str(Request(scope).base_url)) or origin in trusted
