from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.security import create_access_token

from ..conftest import TEST_SECRET_KEY
from ..factories import UserFactory

ME = "/api/v1/users/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _signed(claims: dict[str, object], *, key: str = TEST_SECRET_KEY, alg: str = "HS256") -> str:
    return str(jwt.encode(claims, key, algorithm=alg))


def _in(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user_id: "not-a-jwt",
        lambda user_id: _signed({"sub": user_id, "exp": _in(-1)}),
        lambda user_id: _signed({"sub": user_id}),
        lambda user_id: _signed({"exp": _in(5)}),
        lambda user_id: _signed({"sub": user_id, "exp": _in(5)}, key="another-key" * 4),
        lambda user_id: _signed({"sub": user_id, "exp": _in(5)}, alg="HS512"),
        lambda user_id: _signed({"sub": "not-a-number", "exp": _in(5)}),
        lambda user_id: _signed({"sub": "999999", "exp": _in(5)}),
    ],
    ids=[
        "garbage",
        "expired",
        "no-exp",
        "no-sub",
        "wrong-key",
        "other-algorithm",
        "non-numeric-sub",
        "unknown-user",
    ],
)
def test_bad_token_is_401(client: TestClient, users: UserFactory, make_token: object) -> None:
    user = users.create()
    assert callable(make_token)
    response = client.get(ME, headers=_bearer(make_token(str(user.id))))
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


def test_unsigned_token_is_401(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    body = jwt.encode({"sub": str(user.id), "exp": _in(5)}, "k", algorithm="HS256").split(".")[1]
    response = client.get(ME, headers=_bearer(f"{header}.{body}."))
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_401(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create()
    headers = users.login_headers(client, user)
    user.is_active = False
    session.commit()
    assert client.get(ME, headers=headers).status_code == 401


def test_token_of_a_deleted_user_is_401(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create()
    headers = users.login_headers(client, user)
    session.delete(user)
    session.commit()
    assert client.get(ME, headers=headers).status_code == 401


def test_issued_token_is_hs256_with_expiry_and_user_id_subject() -> None:
    token = create_access_token("7", secret_key=TEST_SECRET_KEY, expires_in=timedelta(minutes=5))
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.get_unverified_claims(token)
    assert claims["sub"] == "7"
    assert claims["exp"] > datetime.now(UTC).timestamp()
