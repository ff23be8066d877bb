"""Error responses, documented once, so the OpenAPI document lists every status a route uses;
and the headers that every answer to a request carries, error answers too."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request, status
from pydantic import BaseModel


class ErrorMessage(BaseModel):
    detail: str


_DESCRIPTIONS = {
    status.HTTP_400_BAD_REQUEST: "The request cannot be carried out as it stands",
    status.HTTP_401_UNAUTHORIZED: "Missing, invalid or expired credentials",
    status.HTTP_403_FORBIDDEN: "Not allowed for this user",
    status.HTTP_404_NOT_FOUND: "No such resource among the caller's",
    status.HTTP_409_CONFLICT: "Conflicts with an existing resource",
    status.HTTP_412_PRECONDITION_FAILED: "The resource has changed since the ETag sent",
    status.HTTP_413_CONTENT_TOO_LARGE: "Request body too large",
    status.HTTP_428_PRECONDITION_REQUIRED: "This server requires If-Match on changes",
    status.HTTP_429_TOO_MANY_REQUESTS: "Too many attempts; see Retry-After",
    status.HTTP_503_SERVICE_UNAVAILABLE: "The database is unavailable; retry later",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorMessage, "description": _DESCRIPTIONS[code]} for code in codes}


def keep_headers_on_every_answer(request: Request, headers: Mapping[str, str]) -> None:
    """Have `headers` on the answer to `request`, whatever it turns out to be (the error
    handlers add them to the answers they make)."""
    request.state.answer_headers = headers


def with_headers_of_every_answer(
    request: Request, own: Mapping[str, str] | None = None
) -> dict[str, str]:
    """An error answer's `own` headers and those every answer to `request` carries, unless
    it says itself when to retry: a Retry-After sooner than the rate limit's reset must not
    go with the RateLimit field (draft-ietf-httpapi-ratelimit-headers-10 §6)."""
    own = own or {}
    if "Retry-After" in own:
        return dict(own)
    return {**getattr(request.state, "answer_headers", {}), **own}
