import pytest
from fastapi.testclient import TestClient

REGISTER = "/api/v1/auth/register"
PASSWORD = "long enough password"


def test_register_returns_the_public_user(client: TestClient) -> None:
    response = client.post(
        REGISTER, json={"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "email",
        "full_name",
        "is_active",
        "is_verified",
        "roles",
        "created_at",
        "updated_at",
    }
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada"
    assert body["is_active"] is True
    assert body["roles"] == ["member"]
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_email_is_stored_lower_case(client: TestClient) -> None:
    response = client.post(REGISTER, json={"email": "Ada@Example.COM", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"


def test_taken_email_is_409_whatever_its_case(client: TestClient) -> None:
    client.post(REGISTER, json={"email": "ada@example.com", "password": PASSWORD})
    response = client.post(REGISTER, json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json() == {"detail": "A user with this email already exists"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@example.com", "password": "short"},
        {"email": "ada@example.com", "password": "x" * 129},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "ada@example.com"},
        {"password": PASSWORD},
        {"email": "ada@example.com", "password": "nul\x00in the password"},
        {"email": "ada@example.com", "password": PASSWORD, "full_name": "x" * 256},
        {"email": "ada@example.com", "password": PASSWORD, "full_name": "nul\x00"},
        {"email": 42, "password": PASSWORD},
    ],
    ids=[
        "short-password",
        "long-password",
        "bad-email",
        "no-password",
        "no-email",
        "nul-password",
        "long-name",
        "nul-name",
        "number-email",
    ],
)
def test_invalid_registration_is_422(client: TestClient, body: dict[str, object]) -> None:
    response = client.post(REGISTER, json=body)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        REGISTER, content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "email", ["ada@example.com", "ada@example.org", "ada@lab.test", "ada@test", "ada@docs.example"]
)
def test_documentation_and_test_domains_are_addresses_like_any_other(
    client: TestClient, email: str
) -> None:
    """RFC 2606 and RFC 6761 §6.2, §6.5: users are free to use these names."""
    response = client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("email", ["ada@nowhere.invalid", "ada@localhost", "ada@printer.local"])
def test_domains_no_mail_can_reach_are_refused(client: TestClient, email: str) -> None:
    """RFC 6761 §6.4 (.invalid never resolves), §6.3 (.localhost is the server itself),
    RFC 6762 (.local is the local link's multicast DNS)."""
    response = client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "email"]
    assert "special-use or reserved" in error["msg"]
