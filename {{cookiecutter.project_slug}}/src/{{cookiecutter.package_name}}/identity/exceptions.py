"""Errors of identifying the caller."""

from fastapi import status

from ..core.exceptions import DomainError


class InvalidCredentialsError(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Could not validate credentials"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  # read-only, never mutated


class NotSuperuserError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Superuser privileges are required"
