import bcrypt
import pytest
from fastapi.testclient import TestClient
from passlib.context import CryptContext
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.auth import service as auth_service
from {{ cookiecutter.package_name }}.core import security

from ..factories import DEFAULT_PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token"


def _legacy_bcrypt_hash(password: bytes) -> str:
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds=4)).decode()


def test_login_returns_a_bearer_token(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    response = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == user.id


def test_login_email_is_case_insensitive(client: TestClient, users: UserFactory) -> None:
    users.create(email="ada@example.com")
    response = client.post(
        TOKEN,
        data={
            "grant_type": "password",
            "username": "ADA@Example.com",
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 200


def test_unknown_email_is_invalid_grant_and_still_checks_a_hash(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    monkeypatch.setattr(auth_service, "spend_password_check_time", checked.append)
    response = client.post(
        TOKEN,
        data={"grant_type": "password", "username": "who@example.com", "password": "whatever"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Incorrect email or password",
    }
    assert checked == ["whatever"]


def test_legacy_bcrypt_hash_logs_in_and_is_upgraded_to_argon2(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create(hashed_password=_legacy_bcrypt_hash(DEFAULT_PASSWORD.encode()))
    response = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    session.refresh(user)
    assert user.hashed_password.startswith("$argon2id$")
    again = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 200


def test_argon2_parameters_are_at_least_owasps_minimum() -> None:
    """OWASP Password Storage Cheat Sheet: Argon2id with 19 MiB, 2 passes, 1 lane at least."""
    parameters = security.ARGON2_PARAMETERS
    assert parameters["memory_cost"] >= 19 * 1024
    assert parameters["time_cost"] >= 2
    assert parameters["parallelism"] >= 1


def test_an_argon2_hash_with_other_parameters_is_renewed_at_login(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    """passlib's defaults (64 MiB, 3 passes, 4 lanes), as earlier versions hashed."""
    earlier = CryptContext(schemes=["argon2"]).hash(DEFAULT_PASSWORD)
    assert "$m=65536,t=3,p=4$" in earlier
    user = users.create(hashed_password=earlier)
    response = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    session.refresh(user)
    assert user.hashed_password.startswith("$argon2id$")
    assert "$m=65536,t=3,p=4$" not in user.hashed_password


def test_long_password_against_legacy_bcrypt_hash_matches_its_first_72_bytes(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    password = "é" * 50  # 100 bytes: bcrypt only ever saw the first 72
    user = users.create(hashed_password=_legacy_bcrypt_hash(password.encode()[:72]))
    response = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": password}
    )
    assert response.status_code == 200
    session.refresh(user)
    wrong = client.post(
        TOKEN, data={"grant_type": "password", "username": user.email, "password": "é" * 36 + "x"}
    )
    assert user.hashed_password.startswith("$argon2id$")
    assert wrong.status_code == 400


def test_openapi_advertises_the_password_flow(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    (scheme,) = schemes.values()
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN
