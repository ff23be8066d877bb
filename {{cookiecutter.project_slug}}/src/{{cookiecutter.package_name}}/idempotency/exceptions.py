"""Errors of requests sent with an Idempotency-Key (the draft's §2.7)."""

from typing import Any

from fastapi import status

from ..core.exceptions import DomainError
from .models import KEY_MAX_LENGTH


class IdempotencyKeyInvalidError(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST
    detail = (
        f"Idempotency-Key must be one key of 1 to {KEY_MAX_LENGTH} printable ASCII characters, "
        'quoted as RFC 8941 says ("8e03978e-40d5-43e8-bc93-6894a57f9324") or bare'
    )


class IdempotencyKeyInUseError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "A request with this Idempotency-Key is being processed: retry it later"
    headers = {"Retry-After": "1"}  # noqa: RUF012  # read-only, as DomainError's


class IdempotencyKeyReusedError(DomainError):
    """The key was used for another request: a 422 in the shape of a validation error, on
    the header."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    detail = "This Idempotency-Key was used for a different request"

    def body(self) -> dict[str, Any]:
        error = {
            "type": "idempotency_key_reused",
            "loc": ["header", "Idempotency-Key"],
            "msg": self.detail,
        }
        return {"detail": [error]}
