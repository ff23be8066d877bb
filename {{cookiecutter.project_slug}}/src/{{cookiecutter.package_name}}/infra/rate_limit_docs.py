"""The rate limits in the OpenAPI document: the RateLimit-Policy and RateLimit fields on the
answers of the limited routes, and their 429 with Retry-After, so that generated clients
know them."""

from typing import Any

from fastapi import FastAPI, status

from ..core.responses import ErrorMessage
from .rate_limit import LIMIT_FIELD, POLICY_FIELD

_FIELDS = {
    POLICY_FIELD: {
        "description": "The route group's quota policy (draft-ietf-httpapi-ratelimit-headers): "
        'its name, the requests `q` allowed per window of `w` seconds, as in `"api";q=600;w=60`',
        "schema": {"type": "string"},
    },
    LIMIT_FIELD: {
        "description": "The requests `r` left in the current window, and the seconds `t` until "
        'it ends, as in `"api";r=599;t=60`',
        "schema": {"type": "string"},
    },
}
_RETRY_AFTER = {
    "description": "Seconds until the window ends and requests are served again",
    "schema": {"type": "integer", "minimum": 1},
}
_TOO_MANY = status.HTTP_429_TOO_MANY_REQUESTS


def _too_many() -> dict[str, Any]:
    """The 429 in the shape of the document's other errors (every API route declares one)."""
    schema = {"$ref": f"#/components/schemas/{ErrorMessage.__name__}"}
    return {
        "description": "Too many requests; see Retry-After",
        "content": {"application/json": {"schema": schema}},
    }


def document_rate_limits(app: FastAPI, prefix: str) -> None:
    """Declare the fields on the answers (but the 401: an unknown caller is not counted) and
    the 429 of every operation under `prefix`: each of them is limited, by the caller (a
    bearer token) or by the client (the anonymous auth endpoints)."""
    make_document = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = make_document()
            for path, operations in document["paths"].items():
                if path.startswith(prefix):
                    for operation in operations.values():
                        _declare(operation["responses"])
        return app.openapi_schema or make_document()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to extend the document


def _declare(responses: dict[str, Any]) -> None:
    responses.setdefault(str(_TOO_MANY), _too_many())
    for code, response in responses.items():
        if code != str(status.HTTP_401_UNAUTHORIZED):
            response.setdefault("headers", {}).update(_FIELDS)
    responses[str(_TOO_MANY)]["headers"]["Retry-After"] = _RETRY_AFTER
