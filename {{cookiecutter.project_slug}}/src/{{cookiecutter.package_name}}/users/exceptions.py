"""Errors raised by the users service."""

from fastapi import status

from ..core.exceptions import DomainError, FieldRefusedError


class EmailAlreadyRegisteredError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "A user with this email already exists"


class CurrentPasswordIncorrectError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "The current password is incorrect"


class UserNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "User not found"


class SelfLockoutError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Superusers cannot deactivate or delete their own account"


class PasswordRefusedError(FieldRefusedError):
    """A new password that the password policy refuses, saying which rule it breaks."""
