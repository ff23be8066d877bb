"""Errors raised by the auth service."""

from fastapi import status

from ..core.exceptions import DomainError


class IncorrectLoginError(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Incorrect email or password"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  # read-only, never mutated


class TooManyLoginAttemptsError(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    detail = "Too many failed login attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.headers = {"Retry-After": str(retry_after)}


class EmailNotVerifiedError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Email address not verified: follow the link in the verification mail first"


class InvalidResetTokenError(DomainError):
    detail = "The password reset token is invalid, expired or already used"


class InvalidVerificationTokenError(DomainError):
    detail = "The email verification token is invalid or expired"
