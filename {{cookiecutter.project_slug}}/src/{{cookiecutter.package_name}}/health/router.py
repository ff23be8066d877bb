"""Probes for orchestrators: liveness never touches the database, readiness does."""

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..core.db import DRIVER_CONNECTION_ERRORS, SessionDep
from .schemas import Liveness, NotReady, Readiness

router = APIRouter(prefix="/health", tags=["health"])

PROBE_PATHS = frozenset({"/health", "/health/ready"})

_DATABASE_DOWN: tuple[type[Exception], ...] = (SQLAlchemyError, *DRIVER_CONNECTION_ERRORS)


@router.get("")
async def liveness() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/ready",
    response_model=Readiness,
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": NotReady,
            "description": "The database is down",
        }
    },
)
async def readiness(session: SessionDep) -> Readiness | JSONResponse:
    try:
        await session.execute(text("SELECT 1"))
    except _DATABASE_DOWN:
        return JSONResponse(
            NotReady(status="unavailable", detail="Database unavailable").model_dump(),
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return Readiness(status="ok", database="ok")
