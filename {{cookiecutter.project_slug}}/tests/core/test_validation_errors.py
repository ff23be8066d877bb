"""A 422 names what is wrong without sending anything back: the input may be a password."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ..factories import DEFAULT_PASSWORD, UserFactory

ME = "/api/v1/users/me"
REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    errors: list[dict[str, Any]] = response.json()["detail"]
    assert all("input" not in error for error in errors)
    return errors


def test_a_short_password_is_not_echoed(client: TestClient) -> None:
    response = client.post(REGISTER, json={"email": "a@example.com", "password": "123"})
    [error] = _errors(response)
    assert error["loc"] == ["body", "password"]
    assert error["ctx"] == {"min_length": 8}  # limits stay: they quote the policy, not input
    assert error["type"] == "password_too_short"
    assert "123" not in response.text


def test_a_misspelt_login_field_does_not_echo_the_form(client: TestClient) -> None:
    """A missing field's input is the whole form, password included."""
    secret = "my very secret password"
    response = client.post(
        TOKEN, data={"grant_type": "password", "username": "a@example.com", "pasword": secret}
    )
    assert response.json()["error"] == "invalid_request"
    assert secret not in response.text


def test_a_current_password_of_the_wrong_shape_is_not_echoed(
    client: TestClient, users: UserFactory
) -> None:
    headers = users.login_headers(client, users.create())
    response = client.patch(
        ME,
        headers=headers,
        json={"password": "a brand new password", "current_password": [DEFAULT_PASSWORD]},
    )
    [error] = _errors(response)
    assert error["loc"] == ["body", "current_password"]
    assert DEFAULT_PASSWORD not in response.text


def test_a_model_rule_does_not_echo_the_body(client: TestClient, users: UserFactory) -> None:
    headers = users.login_headers(client, users.create())
    response = client.patch(ME, headers=headers, json={"password": "a brand new password"})
    [error] = _errors(response)
    assert "current_password is required" in error["msg"]
    assert "a brand new password" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", ME, {"full_name": "Ada", "fullname": "Ada"}),
        ("POST", REGISTER, {"email": "a@example.com", "password": "long enough", "role": "x"}),
        ("POST", "/api/v1/todos", {"title": "A todo", "done": True}),
    ],
)
def test_an_unknown_field_in_a_json_body_is_422_naming_it(
    client: TestClient, auth_headers: dict[str, str], method: str, path: str, body: dict[str, Any]
) -> None:
    """Ignored, a misspelt field would answer 200 and change nothing."""
    response = client.request(method, path, headers=auth_headers, json=body)
    [error] = _errors(response)
    [unknown] = set(body) - {"full_name", "email", "password", "title"}
    assert (error["type"], error["loc"]) == ("extra_forbidden", ["body", unknown])


def test_the_token_form_accepts_the_extra_fields_of_oauth2_clients(
    client: TestClient, users: UserFactory
) -> None:
    """RFC 6749 §4.3.2 and §2.3.1: clients send scope, and may send client_id."""
    user = users.create()
    form = {"username": user.email, "password": DEFAULT_PASSWORD, "grant_type": "password"}
    extras = {"scope": "", "client_id": "cli", "client_secret": ""}
    response = client.post(TOKEN, data={**form, **extras})
    assert response.status_code == 200, response.text


def test_the_openapi_document_forbids_extra_properties_in_json_bodies(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    bodies = {
        name
        for operation in (op for path in document["paths"].values() for op in path.values())
        for content_type, media in operation.get("requestBody", {}).get("content", {}).items()
        if content_type == "application/json"
        for name in [media["schema"]["$ref"].rsplit("/", 1)[1]]
    }
    assert {"UserCreate", "UserUpdate", "TodoCreate", "TodoUpdate"} <= bodies
    schemas = document["components"]["schemas"]
    assert {name: schemas[name].get("additionalProperties") for name in bodies} == dict.fromkeys(
        bodies, False
    )
    # The OAuth2 form stays open.
    token = document["paths"][TOKEN]["post"]["requestBody"]["content"]
    assert (
        token["application/x-www-form-urlencoded"]["schema"].get("additionalProperties")
        is not False
    )
