"""The interactive API docs (Swagger UI and ReDoc), served with their assets from this app."""

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .csp import policy_of

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
# The Swagger UI and ReDoc builds (with their licences) come from the fastapi-standalone-docs
# package, never from a CDN, so the docs work without internet access. Its ReDoc loads its
# logo from `<page path>/logo-mini.svg`, hence each UI's files are served under its page.
ASSETS_PACKAGE = "fastapi_standalone_docs"
ASSET_FOLDERS = {  # URL prefix -> folder in the package; a prefix before any it starts with
    f"{DOCS_PATH}/fastapi": "static/fastapi",
    DOCS_PATH: "static/swagger",
    REDOC_PATH: "static/redoc",
}
FAVICON_PATH = f"{DOCS_PATH}/fastapi/favicon.png"
# Swagger UI otherwise sends the OpenAPI document's URL to validator.swagger.io for a badge.
SWAGGER_UI_DEFAULTS = {"validatorUrl": None}


def _root_path(request: Request) -> str:
    """The prefix a proxy serves the app under (ROOT_PATH / --root-path), or ""."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _with_its_policy(page: HTMLResponse, *, redoc: bool = False) -> HTMLResponse:
    """FastAPI's pages start Swagger UI and ReDoc with inline scripts and styles; the page's
    policy names exactly those (they vary with the root path). ReDoc's bundle also writes
    its CSS into <style> elements as it renders (with no way to give them a nonce before
    the first one) and runs its search in a worker made from a blob."""
    html = bytes(page.body).decode()
    page.headers["Content-Security-Policy"] = policy_of(html, any_style=redoc, blob_workers=redoc)
    return page


def mount_docs(app: FastAPI) -> None:
    """Serve /docs, its OAuth2 redirect page and /redoc; pass `docs_url=None, redoc_url=None`
    to FastAPI so that its own CDN-based pages stay off."""
    openapi_url = app.openapi_url
    if openapi_url is None:
        raise ValueError("the docs need the OpenAPI document: keep FastAPI's openapi_url")
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or f"{DOCS_PATH}/oauth2-redirect"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return _with_its_policy(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{DOCS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_PATH}/swagger-ui.css",
                swagger_favicon_url=root + FAVICON_PATH,
                oauth2_redirect_url=root + oauth2_redirect_url,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters={**SWAGGER_UI_DEFAULTS, **(app.swagger_ui_parameters or {})},
            )
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return _with_its_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return _with_its_policy(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{REDOC_PATH}/redoc.standalone.js",
                redoc_favicon_url=root + FAVICON_PATH,
                with_google_fonts=False,
            ),
            redoc=True,
        )

    # Mounted after the pages: a mount at /docs would otherwise answer /docs/oauth2-redirect.
    for prefix, folder in ASSET_FOLDERS.items():
        app.mount(prefix, StaticFiles(packages=[(ASSETS_PACKAGE, folder)]))
