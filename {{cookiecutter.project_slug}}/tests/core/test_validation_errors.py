"""A 422 names what is wrong without sending anything back: the input may be a password."""

from typing import Any

from fastapi.testclient import TestClient

from ..factories import DEFAULT_PASSWORD, UserFactory

ME = "/api/v1/users/me"
REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"  # noqa: S105  # nosec B105  # a path


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    errors: list[dict[str, Any]] = response.json()["detail"]
    assert all("input" not in error for error in errors)
    return errors


def test_a_short_password_is_not_echoed(client: TestClient) -> None:
    response = client.post(REGISTER, json={"email": "a@example.com", "password": "123"})
    [error] = _errors(response)
    assert error["loc"] == ["body", "password"]
    assert error["ctx"] == {"min_length": 8}  # limits stay: they quote the schema, not input
    assert "123" not in response.text


def test_a_misspelt_login_field_does_not_echo_the_form(client: TestClient) -> None:
    """A missing field's input is the whole form, password included."""
    secret = "my very secret password"
    response = client.post(TOKEN, data={"username": "a@example.com", "pasword": secret})
    [error] = _errors(response)
    assert (error["type"], error["loc"]) == ("missing", ["body", "password"])
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
