"""HEAD wherever GET is (RFC 9110 §9.3.2), and a 405 naming every method of its path in
`Allow` (§15.5.6): on every path of the OpenAPI document and every page besides the API."""

import re

from fastapi.testclient import TestClient

# Pages outside the OpenAPI document, with the methods they serve.
PAGES = {
    "/openapi.json": {"GET"},
    "/docs": {"GET"},
    "/docs/oauth2-redirect": {"GET"},
    "/redoc": {"GET"},
    "/docs/swagger-ui.css": {"GET"},  # a mounted folder of files
{%- if cookiecutter.observability != "none" %}
    "/metrics": {"GET"},
{%- endif %}
}
UNSAFE_METHODS = ("DELETE", "PATCH", "POST", "PUT")


def _paths(client: TestClient) -> dict[str, set[str]]:
    """Every path a client can ask for (parameters filled in), with its methods."""
    document = client.get("/openapi.json").json()["paths"]
    api = {
        re.sub(r"\{[^}]+\}", "1", path): {method.upper() for method in operations}
        for path, operations in document.items()
    }
    return {**api, **PAGES}


def test_head_answers_every_get_path_as_get_does_without_a_body(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    gets = [path for path, methods in _paths(client).items() if "GET" in methods]
    for path in gets:
        got = client.get(path, headers=auth_headers)
        head = client.head(path, headers=auth_headers)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert head.headers["content-type"] == got.headers["content-type"], path


def test_every_405_names_the_methods_of_its_path(client: TestClient) -> None:
    for path, methods in _paths(client).items():
        refused = next(method for method in UNSAFE_METHODS if method not in methods)
        response = client.request(refused, path)
        served = methods | {"HEAD"} if "GET" in methods else methods
        assert response.status_code == 405, (refused, path)
        assert response.headers["Allow"] == ", ".join(sorted(served)), (refused, path)
        assert response.json() == {"detail": "Method Not Allowed"}


def test_head_of_a_path_without_get_is_405(client: TestClient) -> None:
    response = client.head("/api/v1/auth/register")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
