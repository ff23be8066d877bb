"""Errors raised by the jobs service."""

from fastapi import status

from ..core.exceptions import DomainError


class JobNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Job not found"
{%- if cookiecutter.background_jobs == "celery" %}


class JobQueueUnavailableError(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    detail = "The job queue is unavailable; retry later"
    headers = {"Retry-After": "5"}  # noqa: RUF012  # read-only, never mutated
{%- endif %}
