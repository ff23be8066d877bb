import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.security import (
    TokenPurpose,
    create_token,
    password_fingerprint,
)
from {{ cookiecutter.package_name }}.identity.dependencies import get_current_user_row
from {{ cookiecutter.package_name }}.identity.exceptions import InvalidCredentialsError
from {{ cookiecutter.package_name }}.identity.principal import Principal
from {{ cookiecutter.package_name }}.users.models import User

from ..conftest import TEST_SECRET_KEY
from ..factories import UserFactory

ME = "/api/v1/users/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _signed(
    claims: dict[str, object],
    *,
    key: str = TEST_SECRET_KEY,
    alg: str = "HS256",
    headers: dict[str, object] | None = None,
) -> str:
    with warnings.catch_warnings():
        # The test key is shorter than RFC 7518 asks of an HS512 key: it is the same key.
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=alg, headers=headers)


def _unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _in(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def _session_id(client: TestClient, users: UserFactory, user: User) -> str:
    """The id of a new login session of `user`, as its access tokens carry it."""
    sid = _unverified_claims(users.login(client, user)["access_token"])["sid"]
    assert isinstance(sid, str)
    return sid


def _claims(user: User, session_id: str, **changes: object) -> dict[str, object]:
    """A valid access token's claims for `user` in session `session_id`, with `changes` (None drops
    a claim)."""
    claims: dict[str, object] = {
        "sub": str(user.id),
        "purpose": "access",
        "pwd": password_fingerprint(user.hashed_password),
        "sid": session_id,
        "exp": _in(5),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_a_well_formed_token_is_accepted(client: TestClient, users: UserFactory) -> None:
    """The control for the bad tokens below: each differs from this one in one claim."""
    user = users.create()
    sid = _session_id(client, users, user)
    assert client.get(ME, headers=_bearer(_signed(_claims(user, sid)))).status_code == 200


@pytest.mark.parametrize(
    ("changes", "key", "alg"),
    [
        ({"exp": _in(-1)}, TEST_SECRET_KEY, "HS256"),
        ({"exp": None}, TEST_SECRET_KEY, "HS256"),
        ({"sub": None}, TEST_SECRET_KEY, "HS256"),
        ({}, "another-key" * 4, "HS256"),
        ({}, TEST_SECRET_KEY, "HS512"),
        ({"sub": "not-a-number"}, TEST_SECRET_KEY, "HS256"),
        ({"sub": "999999"}, TEST_SECRET_KEY, "HS256"),
        ({"purpose": None}, TEST_SECRET_KEY, "HS256"),
        ({"purpose": "password-reset"}, TEST_SECRET_KEY, "HS256"),
        ({"purpose": "email-verification"}, TEST_SECRET_KEY, "HS256"),
        ({"pwd": None}, TEST_SECRET_KEY, "HS256"),
        ({"pwd": "0" * 32}, TEST_SECRET_KEY, "HS256"),
        ({"sid": None}, TEST_SECRET_KEY, "HS256"),
        ({"sid": "999999"}, TEST_SECRET_KEY, "HS256"),
        ({"sid": "x"}, TEST_SECRET_KEY, "HS256"),
        ({"iat": _in(5)}, TEST_SECRET_KEY, "HS256"),
    ],
    ids=[
        "expired",
        "no-exp",
        "no-sub",
        "wrong-key",
        "other-algorithm",
        "non-numeric-sub",
        "unknown-user",
        "no-purpose",
        "reset-purpose",
        "verification-purpose",
        "no-password-fingerprint",
        "other-password",
        "no-session",
        "ended-session",
        "non-numeric-session",
        "issued-in-the-future",
    ],
)
def test_bad_token_is_401(
    client: TestClient, users: UserFactory, changes: dict[str, object], key: str, alg: str
) -> None:
    user = users.create()
    claims = _claims(user, _session_id(client, users, user), **changes)
    response = client.get(ME, headers=_bearer(_signed(claims, key=key, alg=alg)))
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


def test_a_token_with_a_critical_extension_is_401(client: TestClient, users: UserFactory) -> None:
    """RFC 7515 §4.1.11: a `crit` header naming an extension the server does not implement
    makes the token invalid, however well it is signed."""
    user = users.create()
    claims = _claims(user, _session_id(client, users, user))
    extended = _signed(claims, headers={"crit": ["exp-policy"], "exp-policy": "strict"})
    assert client.get(ME, headers=_bearer(_signed(claims))).status_code == 200
    response = client.get(ME, headers=_bearer(extended))
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


def test_garbage_token_is_401(client: TestClient) -> None:
    assert client.get(ME, headers=_bearer("not-a-jwt")).status_code == 401


def test_unsigned_token_is_401(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    body = _signed(_claims(user, _session_id(client, users, user))).split(".")[1]
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


def test_issued_token_is_hs256_with_expiry_purpose_and_subject() -> None:
    token = create_token(
        TokenPurpose.ACCESS, "7", secret_key=TEST_SECRET_KEY, expires_in=timedelta(minutes=5)
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = _unverified_claims(token)
    assert claims["sub"] == "7"
    assert claims["purpose"] == "access"
    assert claims["exp"] > datetime.now(UTC).timestamp()


@pytest.mark.anyio
async def test_a_caller_deleted_since_their_lookup_has_no_row_to_change(
    async_session: AsyncSession, users: UserFactory, session: Session
) -> None:
    """A route that changes the caller's account reads their row again: one deleted in the
    meantime gets a 401, as their next request would, not a 500."""
    user = users.create()
    principal = Principal(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        is_active=user.is_active,
        is_verified=user.is_verified,
        created_at=user.created_at,
        updated_at=user.updated_at,
        roles=(),
    )
    assert (await get_current_user_row(async_session, principal)).email == user.email
    session.delete(user)
    session.commit()
    await async_session.rollback()  # end the read, whose snapshot still holds the row
    with pytest.raises(InvalidCredentialsError):
        await get_current_user_row(async_session, principal)
