"""The base of every domain error; services raise these, never HTTP exceptions."""

from typing import Any, ClassVar

from fastapi import status


class DomainError(Exception):
    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    detail: ClassVar[str] = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self) -> None:
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        """The JSON answer; errors defined by a standard (OAuth2) override its shape."""
        return {"detail": self.detail}


class FieldRefusedError(DomainError):
    """A body field that its schema accepts but a rule of the service refuses (a rule that
    needs the settings or the account): answered as a validation error, a 422 in pydantic's
    shape, so that clients handle both alike. `error_type` and `message` must not quote the
    value (it may be a password)."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    detail = "Validation error"

    def __init__(
        self, *, field: str, error_type: str, message: str, limits: dict[str, int] | None = None
    ) -> None:
        Exception.__init__(self, f"{field}: {message}")
        self.error: dict[str, Any] = {"type": error_type, "loc": ["body", field], "msg": message}
        if limits:
            self.error["ctx"] = limits

    def body(self) -> dict[str, Any]:
        return {"detail": [self.error]}
