"""Bodies of the probes."""

from typing import Literal

from pydantic import BaseModel


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
{%- if cookiecutter.background_jobs == "celery" %}
    redis: Literal["ok"]
{%- endif %}


class NotReady(BaseModel):
    status: Literal["unavailable"]
    detail: str
