"""The audit trail, read-only over HTTP (`/audit-events`); events are written by the changes
they record (`core/audit.py`)."""

from ..core.audit import AuditEvent
from ..core.domain import Domain
from .router import READ_AUDIT, router

domain = Domain(name="audit", routers=(router,), models=(AuditEvent,), permissions=(READ_AUDIT,))
