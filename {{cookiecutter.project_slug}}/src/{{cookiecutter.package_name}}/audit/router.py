"""`GET /audit-events`: the trail, newest first, filtered and paged. Nothing here (or
anywhere in the API) changes or deletes an event."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from ..core.audit import ACTION_MAX_LENGTH, AuditEvent
from ..core.domain import Permission
from ..core.owned import equal_unless_none
from ..core.pagination import Page, PageParamsDep, paginate
from ..core.responses import error_responses
from ..core.schemas import MAX_DB_INT
from ..identity.dependencies import Requires
from ..identity.principal import Principal
from ..infra.context import SessionDep

READ_AUDIT = Permission("audit:read", "Read the audit trail: who did what to which row, and when")

router = APIRouter(
    prefix="/audit-events",
    tags=["audit"],
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
)


_FILTERED = (
    select(AuditEvent)
    .where(
        equal_unless_none(AuditEvent.action),
        equal_unless_none(AuditEvent.actor_id),
        equal_unless_none(AuditEvent.target_type),
        equal_unless_none(AuditEvent.target_id),
    )
    .order_by(AuditEvent.id.desc())
)


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: int | None
    request_id: str | None
    details: dict[str, Any]


class AuditEventsPublic(Page[AuditEventPublic]):
    pass


Name = Annotated[str | None, Query(max_length=ACTION_MAX_LENGTH, pattern=r"^[^\x00]*$")]
Id = Annotated[int | None, Query(ge=1, le=MAX_DB_INT)]


@router.get("")
async def read_page(
    session: SessionDep,
    _: Annotated[Principal, Requires(READ_AUDIT.name)],
    page: PageParamsDep,
    action: Name = None,
    actor_id: Id = None,
    target_type: Name = None,
    target_id: Id = None,
) -> AuditEventsPublic:
    """Events, newest first; each filter given narrows them (`action=role.created`)."""
    events = await paginate(
        session,
        _FILTERED,
        page,
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
    )
    return AuditEventsPublic.model_validate(events)
