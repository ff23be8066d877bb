"""Conditional requests (RFC 9110 §8.8.3 and §13): a strong entity tag for every row (from its
version), the preconditions `If-Match` and `If-None-Match` evaluated against it, and a weak
tag for lists, computed from the answer itself, so a polling client is told 304 instead of
being sent the same page again.

Resource routers use `ConditionalRoute`: a dependency names the row an answer represents
(`answer_with`), and the route tags the answer with that row's tag as it is after the
handler's write; a GET answer that names no row (a list) gets the weak tag of its body.
"""

import hashlib
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, status
from fastapi.routing import APIRoute
from sqlalchemy import inspect

from .exceptions import DomainError
from .models import OwnedMixin
from .pagination import KeysetPage
from .responses import error_responses

ETAG = "ETag"
# The scope key of the row an answer represents (an ASGI extension key of ours).
_ANSWERED_ROW = "app.answered_row"
# An entity-tag (RFC 9110 §8.8.3): an optional weakness flag, then an opaque quoted string.
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')

# Rows may share an id over time (SQLite reuses the highest one after a delete): the creation
# time keeps a new row's first version from matching the tag of a deleted one.
_MICROSECONDS = 1_000_000


def entity_tag(row: OwnedMixin) -> str:
    """The strong tag of the row as it is now: it changes on every write."""
    created = int(row.created_at.timestamp() * _MICROSECONDS)
    return f'"{row.version}.{created:x}"'


def weak_tag(body: bytes) -> str:
    """A weak tag for an answer's body: equal bodies, equal tags."""
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def _tags(field: str) -> tuple[list[tuple[bool, str]], bool]:
    """The entity-tags of an `If-Match`/`If-None-Match` value, each as (weak, opaque tag), and
    whether it is `*`. What is not an entity-tag matches nothing."""
    if field.strip() == "*":
        return [], True
    return [(weak == "W/", tag) for weak, tag in _ENTITY_TAG.findall(field)], False


def matches(field: str, current: str, *, weak: bool) -> bool:
    """Whether the field's tags include `current`: by the weak comparison (§8.8.3.2: the
    opaque tags are equal) or the strong one (both also strong)."""
    tags, anything = _tags(field)
    if anything:
        return True
    current_weak, current_tag = current.startswith("W/"), current.removeprefix("W/")
    return any(
        tag == current_tag and (weak or not (tag_weak or current_weak)) for tag_weak, tag in tags
    )


class NotModifiedError(Exception):
    """The client's copy is current: a 304 carrying the tag, without a body."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class PreconditionFailedError(DomainError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    detail = "The resource has changed: fetch it again for its current ETag"


class PreconditionRequiredError(DomainError):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    detail = "Send If-Match with the ETag of the resource to change it"


def evaluate_preconditions(
    request: Request, row: OwnedMixin, *, require_if_match: bool = False
) -> None:
    """RFC 9110 §13.2.2, for a request on `row`: `If-Match` must match its tag (strong
    comparison) or the request fails with 412; then an `If-None-Match` that matches (weak
    comparison) is a 304 for GET and HEAD and a 412 otherwise. With `require_if_match`, a
    write without `If-Match` is a 428 (RFC 6585 §3)."""
    current = entity_tag(row)
    safe = request.method in {"GET", "HEAD"}
    if_match = request.headers.get("if-match")
    if if_match is None and require_if_match and not safe:
        raise PreconditionRequiredError
    if if_match is not None and not matches(if_match, current, weak=False):
        raise PreconditionFailedError
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and matches(if_none_match, current, weak=True):
        if safe:
            raise NotModifiedError(current)
        raise PreconditionFailedError


def answer_with(request: Request, row: OwnedMixin) -> None:
    """Name the row this request's answer represents: the route tags the answer with it."""
    request.scope[_ANSWERED_ROW] = row


def _not_modified(tag: str) -> Response:
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={ETAG: tag})


def _tag_answer(request: Request, response: Response) -> Response:
    row: OwnedMixin | None = request.scope.get(_ANSWERED_ROW)
    if not 200 <= response.status_code < 300 or ETAG in response.headers:
        return response
    if row is not None:
        if not inspect(row).deleted and not inspect(row).was_deleted:
            response.headers[ETAG] = entity_tag(row)
        return response
    if request.method != "GET" or response.status_code != status.HTTP_200_OK:
        return response
    tag = weak_tag(bytes(response.body))
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and matches(if_none_match, tag, weak=True):
        return _not_modified(tag)
    response.headers[ETAG] = tag
    return response


def _header_parameter(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string"}
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema,
    }


_IF_NONE_MATCH = _header_parameter(
    "If-None-Match", "ETags of the copies the client has: 304 when one is current"
)
_IF_MATCH = _header_parameter(
    "If-Match", "The ETag the change is based on: 412 when the resource has changed since"
)
_TAGGED = {
    "headers": {ETAG: {"description": "The tag of this version", "schema": {"type": "string"}}}
}
_LINKS = {
    "description": 'The pages beside this one (RFC 8288): rel="next" and rel="prev"',
    "schema": {"type": "string"},
}
_NOT_MODIFIED = {"description": "Not modified: the copy the client has is current", **_TAGGED}


def _documented(
    methods: set[str], responses: dict[int | str, Any]
) -> tuple[dict[int | str, Any], dict[str, Any]]:
    """The answers and header parameters that tags add to a route with these methods."""
    if methods & {"PATCH", "DELETE"}:
        added = error_responses(
            status.HTTP_412_PRECONDITION_FAILED, status.HTTP_428_PRECONDITION_REQUIRED
        )
        return {**added, **responses}, {"parameters": [_IF_MATCH, _IF_NONE_MATCH]}
    if "GET" in methods:
        return {status.HTTP_304_NOT_MODIFIED: _NOT_MODIFIED, **responses}, {
            "parameters": [_IF_NONE_MATCH]
        }
    return responses, {}


def success_is_a_row_or_page(methods: set[str], status_code: int | None) -> bool:
    """Whether the route's success is tagged: a read, a change, or a creation (a 201)."""
    return bool(methods & {"GET", "PATCH"}) or status_code == status.HTTP_201_CREATED


class ConditionalRoute(APIRoute):
    """A route whose answers carry entity tags, and whose GETs answer 304 when the client's
    tag is current; the OpenAPI document says so."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = set(kwargs.get("methods") or ())
        responses, extra = _documented(methods, dict(kwargs.get("responses") or {}))
        kwargs["responses"] = responses
        super().__init__(path, endpoint, **kwargs)
        success = self.responses.setdefault(self.status_code or status.HTTP_200_OK, {})
        headers = success["headers"] = dict(success.get("headers", {}))
        if success_is_a_row_or_page(methods, self.status_code):
            headers.update(_TAGGED["headers"])
        model = self.response_model
        if isinstance(model, type) and issubclass(model, KeysetPage):
            headers["Link"] = _LINKS
        self.openapi_extra = {**(self.openapi_extra or {}), **extra}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def tagged_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except NotModifiedError as current:
                return _not_modified(current.tag)
            return _tag_answer(request, response)

        return tagged_handler
