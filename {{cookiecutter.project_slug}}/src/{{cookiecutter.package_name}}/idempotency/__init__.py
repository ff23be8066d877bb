"""Idempotent retries of POST and PATCH (the IETF Idempotency-Key draft): a request with a
key runs once, and its retries get its answer again."""

from ..core.domain import Domain, Schedule, every_purge
from .models import IdempotencyRecord
from .store import purge_expired

domain = Domain(
    name="idempotency",
    models=(IdempotencyRecord,),
    schedules=(Schedule("idempotency.purge-expired", purge_expired, every=every_purge),),
)
