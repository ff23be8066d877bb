"""Errors of the caller's own account endpoints."""

from fastapi import status

from ..core.exceptions import DomainError
from ..identity.api_keys import MAX_API_KEYS_PER_USER


class SessionNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Session not found"


class ApiKeyNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "API key not found"


class TooManyApiKeysError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = f"An account holds at most {MAX_API_KEYS_PER_USER} API keys: delete one first"
