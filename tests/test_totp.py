"""The second factor against the defaults bake served by gunicorn on PostgreSQL, driven as a
user's authenticator app and OAuth2 client would: the enrolment's otpauth:// URI read by
pyotp (RFC 6238), its codes computed from it, the password grant through authlib; a replayed
code refused, recovery codes single use."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .baked_project import PASSWORD, TEST_SECRET_KEY, InstalledProject, register_and_login
from .conftest import variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

EMAIL = "ada@example.com"
TOTP = "/api/v1/users/me/totp"


@pytest.fixture
def api(project: InstalledProject, migrated_database: str) -> Iterator[httpx.Client]:
    with project.serve(
        DATABASE_URL=migrated_database, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as client:
        yield client


def _fetch_token(api: httpx.Client, **extra: str) -> dict[str, object]:
    client = OAuth2Session(client_id="cli", token_endpoint_auth_method="none")
    token: dict[str, object] = client.fetch_token(
        f"{str(api.base_url).rstrip('/')}/api/v1/auth/token",
        username=EMAIL,
        password=PASSWORD,
        **extra,
    )
    return token


def test_totp_enrolled_from_its_uri_guards_the_password_grant(api: httpx.Client) -> None:
    if 30 - time.time() % 30 < 4:  # the codes below are computed for neighbouring steps
        time.sleep(4)
    login = register_and_login(api, EMAIL)
    enrolment = api.post(TOTP, headers=login)
    assert enrolment.status_code == 201, enrolment.text
    app = pyotp.parse_uri(enrolment.json()["otpauth_uri"])
    assert isinstance(app, pyotp.TOTP)
    earlier = app.at(time.time() - 30)
    confirmed = api.post(f"{TOTP}/confirm", headers=login, json={"code": earlier})
    assert confirmed.status_code == 200, confirmed.text
    recovery_codes = confirmed.json()["recovery_codes"]

    with pytest.raises(OAuthError) as needed:
        _fetch_token(api)
    assert needed.value.error == "mfa_required"
    with pytest.raises(OAuthError) as replayed:
        _fetch_token(api, otp=earlier)
    assert replayed.value.error == "invalid_grant"
    token = _fetch_token(api, otp=app.now())
    me = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["email"] == EMAIL

    assert _fetch_token(api, otp=recovery_codes[0])["access_token"]
    with pytest.raises(OAuthError) as spent:
        _fetch_token(api, otp=recovery_codes[0])
    assert spent.value.error == "invalid_grant"
