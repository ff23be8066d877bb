import base64
import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.docs import mount_docs
from {{ cookiecutter.package_name }}.main import create_app

DOC_PAGES = ["/docs", "/redoc"]
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split("; "))}


def _inline_script_hashes(html: str) -> list[str]:
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    ]


def _referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', html)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_docs_page_loads_nothing_from_another_site(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://|//[a-z]", response.text), response.text
    assert _referenced_urls(response.text)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_docs_page_assets_are_served_by_the_app(client: TestClient, page: str) -> None:
    for url in _referenced_urls(client.get(page).text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url


def test_redoc_logo_is_served_from_the_redoc_path(client: TestClient) -> None:
    # The packaged ReDoc loads its logo from `<page path>/logo-mini.svg`, not a CDN.
    logo = client.get("/redoc/logo-mini.svg")
    assert logo.status_code == 200
    assert logo.headers["content-type"].startswith("image/svg+xml")


def test_swagger_ui_never_sends_the_spec_url_to_the_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_swagger_ui_authorizes_through_the_oauth2_redirect_page(client: TestClient) -> None:
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in (
        client.get("/docs").text
    )
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "swaggerUIRedirectOauth2" in redirect.text


@pytest.mark.parametrize("page", DOC_PAGES)
def test_docs_urls_follow_the_root_path(settings: Settings, page: str) -> None:
    with TestClient(create_app(settings), root_path="/behind-proxy") as client:
        html = client.get(page).text
    urls = [*_referenced_urls(html), *re.findall(r"(?:url: |spec-url=)['\"]([^'\"]+)", html)]
    assert urls
    assert all(url.startswith("/behind-proxy/") for url in urls), urls


def test_docs_and_their_assets_are_404_when_disabled(
    client: TestClient, settings: Settings
) -> None:
    asset_urls = [url for page in DOC_PAGES for url in _referenced_urls(client.get(page).text)]
    disabled = create_app(settings.model_copy(update={"docs_enabled": False}))
    with TestClient(disabled) as off:
        for url in [*DOC_PAGES, "/docs/oauth2-redirect", "/openapi.json", *asset_urls]:
            assert off.get(url).status_code == 404, url


def test_docs_refuse_an_app_without_its_openapi_document() -> None:
    with pytest.raises(ValueError, match="openapi_url"):
        mount_docs(FastAPI(openapi_url=None))


@pytest.mark.parametrize("page", ["/docs", "/docs/oauth2-redirect"])
def test_swagger_ui_pages_may_run_their_own_inline_scripts_only(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    policy = _directives(response.headers["Content-Security-Policy"])
    assert _inline_script_hashes(response.text)
    assert policy["script-src"] == ["'self'", *_inline_script_hashes(response.text)]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_redoc_may_run_no_inline_script_but_write_its_styles(client: TestClient) -> None:
    policy = _directives(client.get("/redoc").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]


def test_the_docs_policy_follows_the_root_path(settings: Settings) -> None:
    with TestClient(create_app(settings), root_path="/behind/proxy") as client:
        response = client.get("/docs")
    assert "/behind/proxy/openapi.json" in response.text
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"][1:] == _inline_script_hashes(response.text)
