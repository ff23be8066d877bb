"""Bodies of the probes."""

from typing import Literal

from pydantic import BaseModel


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


class NotReady(BaseModel):
    status: Literal["unavailable"]
    detail: str
