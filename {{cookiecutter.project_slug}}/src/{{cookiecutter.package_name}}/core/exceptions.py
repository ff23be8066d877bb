"""The base of every domain error; services raise these, never HTTP exceptions."""

from typing import ClassVar

from fastapi import status


class DomainError(Exception):
    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    detail: ClassVar[str] = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self) -> None:
        super().__init__(self.detail)
