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
    detail = "Nobody can deactivate or delete their own account"


class PasswordRefusedError(FieldRefusedError):
    """A new password that the password policy refuses, saying which rule it breaks."""


class LastAdminError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "This is the last active admin: make another admin first"


class RoleNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Role not found"


class BuiltInRoleError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "Built-in roles (admin, member) cannot be changed or deleted"


class RoleNameTakenError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "A role with this name already exists"
