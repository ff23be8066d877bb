"""Errors raised by the auth service."""

from fastapi import status

from ..core.exceptions import DomainError, FieldRefusedError
from ..identity.exceptions import InvalidGrantError, OAuth2Error


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


class SecondFactorAlreadyOnError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "A second factor is already on: turn it off first"


class NoEnrolmentError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "No enrolment to confirm: start one with POST /api/v1/users/me/totp"


class SecondFactorOffError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    detail = "No second factor is on"


class WrongCodeError(FieldRefusedError):
    def __init__(self) -> None:
        super().__init__(
            field="code", error_type="wrong_code", message="Not a current code of your app"
        )


class MfaRequiredError(OAuth2Error):
    """The password was right, and the account has a second factor: send `otp` as well."""

    error = "mfa_required"

    def __init__(self) -> None:
        super().__init__(
            "This account has a second factor: send the code of its app (or a recovery code)"
            " as otp, with the same username and password"
        )


class IncorrectOneTimeCodeError(InvalidGrantError):
    def __init__(self) -> None:
        super().__init__("Incorrect or already used one-time code")
