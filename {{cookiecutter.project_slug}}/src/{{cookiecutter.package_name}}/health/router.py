"""Probes for orchestrators: liveness never touches the database, readiness checks it and
every other service the app needs (the context's readiness checks)."""

import logging

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ..core.db import DATABASE_ERRORS
from ..infra.context import ContextDep, SessionDep
from .schemas import Liveness, NotReady, Readiness

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/health"
PROBE_PATHS = frozenset({LIVENESS_PATH, "/health/ready"})
# The edge (core/edge.py) sends this answer itself; the route declares it.
LIVENESS = Liveness(status="ok")

router = APIRouter(prefix=LIVENESS_PATH, tags=["health"])


def _not_ready(detail: str) -> JSONResponse:
    return JSONResponse(
        NotReady(status="unavailable", detail=detail).model_dump(),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


@router.get("")
async def liveness() -> Liveness:
    return LIVENESS


@router.get(
    "/ready",
    response_model=Readiness,
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": NotReady,
            "description": "The database or another service the app needs is down",
        }
    },
)
async def readiness(session: SessionDep, context: ContextDep) -> Readiness | JSONResponse:
    try:
        await session.execute(text("SELECT 1"))
    except DATABASE_ERRORS:
        return _not_ready("Database unavailable")
    for name, check in context.readiness_checks.items():
        try:
            await check()
        except Exception as error:  # any failure means "not ready"
            logger.warning("Readiness: %s cannot be reached: %s", name, error)
            return _not_ready(f"{name.capitalize()} unavailable")
    return Readiness.model_validate(
        {"status": "ok", "database": "ok", **dict.fromkeys(context.readiness_checks, "ok")}
    )
