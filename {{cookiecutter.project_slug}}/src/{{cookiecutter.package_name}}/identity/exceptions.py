"""Errors of identifying the caller, and the token endpoints' errors (RFC 6749 §5.2)."""

from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import status

from ..core.exceptions import DomainError


class MissingCredentialsError(DomainError):
    """No token at all: the challenge names the scheme only (RFC 6750 §3.1)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Not authenticated"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  # read-only, never mutated


class InvalidCredentialsError(DomainError):
    """A token that is malformed, forged, expired, or whose session or user is gone."""

    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Could not validate credentials"
    # RFC 6750 §3: the error code, and a description for the developer.
    headers = {  # noqa: RUF012  # read-only, never mutated
        "WWW-Authenticate": (
            'Bearer error="invalid_token", '
            'error_description="The access token is invalid, expired or revoked"'
        )
    }


class InsufficientScopeError(DomainError):
    """A 403 with RFC 6750's `insufficient_scope` challenge, naming the scopes needed: an API
    key on a route its scopes do not reach, or on one that no scope reaches (the account's own
    settings, sessions and keys need a login)."""

    status_code = status.HTTP_403_FORBIDDEN
    detail = "The API key lacks the scope this request needs"

    def __init__(self, needed: Sequence[str], description: str | None = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        elif needed:
            self.description = f"This request needs an API key with scope {' '.join(needed)}"
        else:
            self.description = "This request needs a login's access token, not an API key"
        challenge = f'error_description="{self.description}"'
        if needed:
            challenge += f', scope="{" ".join(needed)}"'
        self.headers = {"WWW-Authenticate": f'Bearer error="insufficient_scope", {challenge}'}

    def body(self) -> dict[str, Any]:
        return {"detail": self.description}


class PermissionDeniedError(InsufficientScopeError):
    """The caller's roles do not allow the request: the permissions it needs are named, in
    the answer and in the challenge (a token's scope is its user's permissions)."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(missing, f"This request needs the permission {' '.join(missing)}")


class SecondFactorRequiredError(InsufficientScopeError):
    """The caller's roles allow the request, but MFA_REQUIRED_FOR asks a login with a second
    factor of whoever holds such permissions."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(
            missing,
            f"This request needs the permission {' '.join(missing)}, which your roles allow"
            " only in a login with a second factor: turn TOTP on (/api/v1/users/me/totp) and"
            " log in with its code",
        )


# RFC 6749 §5.1: token endpoint answers must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuth2Error(DomainError):
    """An error of the token or revocation endpoint: 400 `{"error", "error_description"}`
    (RFC 6749 §5.2), the shape OAuth2 client libraries read."""

    error: ClassVar[str]
    headers = NO_STORE  # read-only, never mutated

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequestError(OAuth2Error):
    error = "invalid_request"


class InvalidGrantError(OAuth2Error):
    error = "invalid_grant"


class UnsupportedGrantTypeError(OAuth2Error):
    error = "unsupported_grant_type"


class InvalidScopeError(OAuth2Error):
    error = "invalid_scope"
