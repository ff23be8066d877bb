"""Errors raised by the jobs service."""

from fastapi import status

from ..core.exceptions import DomainError


class JobNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Job not found"
