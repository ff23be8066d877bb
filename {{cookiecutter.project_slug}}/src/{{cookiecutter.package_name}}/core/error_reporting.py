"""Report unhandled errors to Sentry when SENTRY_DSN is set; otherwise import nothing of it."""

from typing import TYPE_CHECKING

from .config import Settings
from .logging import request_id_var

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

REQUEST_ID_TAG = "request_id"


def _tag_with_request_id(event: "Event", _hint: "Hint") -> "Event":
    event.setdefault("tags", {})[REQUEST_ID_TAG] = request_id_var.get()
    return event


def report_errors_to_sentry(settings: Settings) -> None:
    """Send unhandled errors (the request-context middleware logs each one with its traceback,
    which Sentry's logging integration captures) to Sentry, tagged with the request id."""
    if settings.sentry_dsn is None:
        return
    import sentry_sdk
    from sentry_sdk.integrations.fastapi import FastApiIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.environment,
        integrations=[StarletteIntegration(), FastApiIntegration()],
        before_send=_tag_with_request_id,
    )
