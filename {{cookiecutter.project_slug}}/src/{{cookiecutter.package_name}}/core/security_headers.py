"""The headers every response carries, computed once: a Content-Security-Policy (see csp.py);
`Cache-Control: no-store` on every answer to a request with credentials, errors too, since
what it says depends on who asked; and HSTS only when the request came over HTTPS (directly,
or through a proxy trusted by FORWARDED_ALLOW_IPS). A header the handler set is left as it is."""

from starlette.types import Scope

from .csp import NOTHING_POLICY, PAGE_POLICY

RawHeaders = list[tuple[bytes, bytes]]

# Browser features no page of ours uses: Permissions-Policy turns them off.
_UNUSED_FEATURES = (
    "accelerometer",
    "camera",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
)
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Other sites may not embed our answers (<img>, <script>); CORS requests still pass.
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", ", ".join(f"{f}=()" for f in _UNUSED_FEATURES).encode()),
)
_HSTS = ((b"strict-transport-security", b"max-age=63072000; includeSubDomains"),)
_NO_STORE = ((b"cache-control", b"no-store"),)
_CREDENTIALS = frozenset({b"authorization", b"cookie"})
_CSP = b"content-security-policy"
_PAGE_CSP = PAGE_POLICY.encode()
_NOTHING_CSP = NOTHING_POLICY.encode()
# By (over HTTPS, with credentials).
_BY_REQUEST = {
    (https, credentials): _ALWAYS + (_HSTS if https else ()) + (_NO_STORE if credentials else ())
    for https in (False, True)
    for credentials in (False, True)
}


def security_headers_for(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """The headers the answer to this request gets, but its Content-Security-Policy."""
    https = scope.get("scheme") == "https"
    credentials = any(name in _CREDENTIALS for name, _ in scope["headers"])
    return _BY_REQUEST[https, credentials]


def add_security_headers(headers: RawHeaders, extra: tuple[tuple[bytes, bytes], ...]) -> None:
    """Add to a response's `headers` those of `extra` and the CSP it lacks; HTML gets the
    page policy, anything else the policy that allows nothing."""
    present = set()
    html = False
    for name, value in headers:
        lowered = name.lower()
        present.add(lowered)
        if lowered == b"content-type":
            html = value.startswith(b"text/html")
    headers.extend(header for header in extra if header[0] not in present)
    if _CSP not in present:
        headers.append((_CSP, _PAGE_CSP if html else _NOTHING_CSP))
