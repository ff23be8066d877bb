"""HTTP method semantics the router leaves out: HEAD answered wherever GET is, and the `Allow`
header of a 405 naming every method its path serves."""

from collections.abc import Iterable

from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# StaticFiles serves these and refuses the others with a bare 405.
_STATIC_FILE_METHODS = frozenset({"GET", "HEAD"})


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> set[str]:
    """The methods `routes` serve at the path of `scope`, tried as Starlette's router tries
    them: every route whose path matches, up to the first mount that takes the path (a
    mount takes every method; its own routes or files decide)."""
    methods: set[str] = set()
    for context in iter_route_contexts(list(routes)):
        match, child_scope = context.matches(scope)
        if match is Match.NONE:
            continue
        route = context.original_route
        if isinstance(route, Mount):
            if isinstance(route.app, StaticFiles):
                methods |= _STATIC_FILE_METHODS
            else:
                methods |= allowed_methods(route.routes, {**scope, **child_scope})
            break
        methods |= context.methods or set()
    if "GET" in methods:
        methods.add("HEAD")  # answered by MethodsMiddleware
    return methods


class MethodsMiddleware:
    """HEAD is GET without the body (RFC 9110 §9.3.2): FastAPI's routes serve GET only, so a
    HEAD goes to the app as a GET and only its status and headers are sent. A 405 gets an
    `Allow` listing every method of its path (§15.5.6): Starlette names only the methods of
    the first route that matched, and StaticFiles none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        as_requested = dict(scope)  # before the routers (a mounted app's too) add their own
        head = scope["method"] == "HEAD"

        async def send_as_requested(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(as_requested["app"].routes, as_requested)
                if methods:
                    MutableHeaders(scope=message)["Allow"] = ", ".join(sorted(methods))
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}  # Content-Length stays GET's
            await send(message)

        if not head:
            await self.app(scope, receive, send_as_requested)
            return
        # The server's scope keeps saying HEAD (uvicorn then writes no body either); what the
        # router adds (the route matched) is copied back for the middleware outside.
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, send_as_requested)
        finally:
            scope.update({key: value for key, value in as_get.items() if key != "method"})
