"""Every change made in the admin, logged with who made it (the request id comes with every
log line) and written to the audit trail. sqladmin reports a change once it is committed, so
its event follows in a transaction of its own."""

import logging

from sqladmin.audit import AuditBackend, AuditEntry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from ..core.audit import record
from ..users.models import User

logger = logging.getLogger("app.admin")


class LogAudit(AuditBackend):
    """One log line per create, update and delete: the acting user, the model, the row and
    the names of the fields sent (not their values: they may be personal, and a password
    never reaches this point)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def log(self, entry: AuditEntry, request: Request) -> None:
        user: User = request.state.admin_user
        async with self.sessions() as session:
            record(
                session,
                f"admin.{entry.action}",
                actor_id=user.id,
                target=(entry.identity, int(entry.pk)) if entry.pk and entry.pk.isdigit() else None,
                fields=sorted(entry.changes or ()),
            )
            await session.commit()
        logger.info(
            "Admin %s of %s %s by %s",
            entry.action,
            entry.identity,
            entry.pk,
            user.email,
            extra={
                "admin_action": entry.action,
                "admin_model": entry.identity,
                "admin_pk": entry.pk,
                "admin_fields": sorted(entry.changes or ()),
                "admin_user_id": user.id,
                "admin_user_email": user.email,
            },
        )
