"""Every change made in the admin, logged with who made it (the request id comes with every
log line)."""

import logging

from sqladmin.audit import AuditBackend, AuditEntry
from starlette.requests import Request

from ..users.models import User

logger = logging.getLogger("app.admin")


class LogAudit(AuditBackend):
    """One log line per create, update and delete: the acting user, the model, the row and
    the names of the fields sent (not their values: they may be personal, and a password
    never reaches this point)."""

    async def log(self, entry: AuditEntry, request: Request) -> None:
        user: User = request.state.admin_user
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
