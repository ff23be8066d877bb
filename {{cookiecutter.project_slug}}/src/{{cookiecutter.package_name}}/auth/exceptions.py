"""Errors raised by the auth service."""

from fastapi import status

from ..core.exceptions import DomainError


class IncorrectLoginError(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Incorrect email or password"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  # read-only, never mutated
