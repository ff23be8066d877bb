"""Errors raised by the todos service."""

from fastapi import status

from ..core.exceptions import DomainError


class TodoNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Todo not found"
