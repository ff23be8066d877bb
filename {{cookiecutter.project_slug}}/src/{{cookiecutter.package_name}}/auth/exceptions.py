"""Errors raised by the auth service."""

from fastapi import status

from ..core.exceptions import DomainError
from ..identity.exceptions import InvalidGrantError


class IncorrectLoginError(InvalidGrantError):
    """Unknown email, wrong password or deactivated account: one answer for all three."""

    def __init__(self) -> None:
        super().__init__("Incorrect email or password")


class TooManyLoginAttemptsError(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    detail = "Too many failed login attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.headers = {"Retry-After": str(retry_after)}


class EmailNotVerifiedError(InvalidGrantError):
    def __init__(self) -> None:
        super().__init__(
            "Email address not verified: follow the link in the verification mail first"
        )


class InvalidResetTokenError(DomainError):
    detail = "The password reset token is invalid, expired or already used"


class InvalidVerificationTokenError(DomainError):
    detail = "The email verification token is invalid or expired"
