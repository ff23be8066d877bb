"""Idempotent retries of POST and PATCH (the IETF Idempotency-Key draft): a request with a
key runs once, and its retries get its answer again."""

from ..core.domain import Domain
from .models import IdempotencyRecord

domain = Domain(name="idempotency", models=(IdempotencyRecord,))
