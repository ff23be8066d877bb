"""Errors raised by the users service."""

from fastapi import status

from ..core.exceptions import DomainError


class EmailAlreadyRegisteredError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "A user with this email already exists"


class CurrentPasswordIncorrectError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "The current password is incorrect"


class InvalidCredentialsError(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Could not validate credentials"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  # read-only, never mutated


class NotSuperuserError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Superuser privileges are required"


class UserNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "User not found"


class SelfLockoutError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Superusers cannot deactivate or delete their own account"
