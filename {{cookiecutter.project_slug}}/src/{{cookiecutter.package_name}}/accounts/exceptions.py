"""Errors of the caller's own account endpoints."""

from fastapi import status

from ..core.exceptions import DomainError


class SessionNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Session not found"
