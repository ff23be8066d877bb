"""The route class of resource routers: conditional requests (ETags), and POST and PATCH
made safe to retry with an Idempotency-Key.

A request with a key runs in one transaction that the route opens and commits: the handler's
session is joined to it (its commits only flush), and the route adds the answer to the same
transaction before committing, so the change and the answer kept for its retries are
committed together or not at all.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, status
from fastapi.openapi.constants import REF_PREFIX
from sqlalchemy.exc import IntegrityError

from ..core.conditional import ConditionalRoute
from ..core.responses import error_responses
from ..identity.dependencies import caller_of_request, rate_limit_partition
from ..infra.context import context_of, share_session
from .exceptions import IdempotencyKeyInUseError
from .keys import BARE_CHARACTER, HEADER, fingerprint, parse_key
from .models import KEY_MAX_LENGTH
from .store import REPLAYED_HEADER, Claim, claimed, keep

_RETRIED_METHODS = frozenset({"POST", "PATCH"})
_LENGTH = "{1," + str(KEY_MAX_LENGTH) + "}"
_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A key of the client's choosing, as a quoted string: the request runs once, and its "
        "retries with the same key and body get its answer again"
    ),
    # A String without escapes, or a bare key. `(?!\n)`: in Python's regular expressions
    # (which fuzzers generate from) `$` also matches before a final newline, as it does not
    # in JSON Schema's.
    "schema": {
        "type": "string",
        "pattern": f'^("[ !#-\\[\\]-~]{_LENGTH}"|{BARE_CHARACTER}{_LENGTH})(?!\\n)$',
    },
}
# A key used for another request is a validation error of the header, in FastAPI's shape.
_KEY_REUSED = {
    "description": "Validation error, or an Idempotency-Key used for another request",
    "content": {"application/json": {"schema": {"$ref": f"{REF_PREFIX}HTTPValidationError"}}},
}
_REPLAYED = {
    REPLAYED_HEADER: {
        "description": "`true` on the answer to a retry, given again",
        "schema": {"type": "string"},
    }
}


class IdempotentRoute(ConditionalRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        retried = bool(set(kwargs.get("methods") or ()) & _RETRIED_METHODS)
        if retried:
            added = error_responses(status.HTTP_400_BAD_REQUEST, status.HTTP_409_CONFLICT)
            added[status.HTTP_422_UNPROCESSABLE_CONTENT] = _KEY_REUSED
            kwargs["responses"] = {**added, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)
        if retried:
            success = self.responses.setdefault(self.status_code or status.HTTP_200_OK, {})
            success.setdefault("headers", {}).update(_REPLAYED)
            extra = self.openapi_extra or {}
            self.openapi_extra = {
                **extra,
                "parameters": [*extra.get("parameters", []), _KEY_PARAMETER],
            }

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def idempotent_handler(request: Request) -> Response:
            fields = request.headers.getlist(HEADER)
            if request.method not in _RETRIED_METHODS or not fields:
                return await handler(request)
            return await _run_once(request, parse_key(fields), handler)

        return idempotent_handler


async def _run_once(
    request: Request, key: str, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    context = context_of(request.app)
    async with context.session_factory() as transaction:
        connection = await transaction.connection()
        joined = context.session_factory(bind=connection, join_transaction_mode="rollback_only")
        async with joined as session:
            share_session(request, session)
            caller = await caller_of_request(request, session, context.settings)
            if caller is None:  # refused by the handler's own dependencies
                return await handler(request)
            claim = Claim(caller.user.id, key, await fingerprint(request))
            async with claimed(session, claim) as earlier:
                if earlier is not None:  # spends the caller's budget as a run would
                    partition = rate_limit_partition(caller)
                    await context.rate_limits.api.charge(partition, request, earlier)
                    return earlier
                response = await handler(request)
                if not 200 <= response.status_code < 300:
                    return response  # not kept: the transaction is rolled back
                keep(session, claim, response, hours=context.settings.idempotency_key_hours)
                try:
                    await session.flush()
                    await transaction.commit()
                except IntegrityError:
                    # Another process committed this key first (SQLite): its answer is kept.
                    raise IdempotencyKeyInUseError from None
                return response
