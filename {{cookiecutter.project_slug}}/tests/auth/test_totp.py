"""The second factor over HTTP: TOTP (RFC 6238) codes computed here from the enrolled secret,
as an authenticator app computes them; a code never accepted twice; recovery codes single
use; wrong codes throttled; MFA_REQUIRED_FOR withholding what needs a second factor."""

import base64
import time
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.users.models import User

from ..conftest import ClientFactory
from ..factories import DEFAULT_PASSWORD, UserFactory, bearer

TOKEN = "/api/v1/auth/token"
TOTP = "/api/v1/users/me/totp"
STEP = 30


def _code(secret: str, steps_from_now: int) -> str:
    """The code of the step `steps_from_now` away from this one (the server accepts one step
    either way)."""
    return pyotp.TOTP(secret).at(time.time() + steps_from_now * STEP)


@pytest.fixture(autouse=True)
def _not_at_a_step_boundary() -> None:
    """The codes below are one step apart: never computed in the last seconds of a step."""
    if STEP - time.time() % STEP < 3:
        time.sleep(3)


def _password_grant(client: TestClient, user: User, **extra: str) -> Any:
    form = {"grant_type": "password", "username": user.email, "password": DEFAULT_PASSWORD}
    return client.post(TOKEN, data=form | extra)


def _turn_on(client: TestClient, login: dict[str, str]) -> tuple[str, list[str]]:
    """Enrol and confirm with the previous step's code: the secret and the recovery codes."""
    enrolment = client.post(TOTP, headers=login)
    assert enrolment.status_code == 201, enrolment.text
    secret = enrolment.json()["secret"]
    confirmed = client.post(f"{TOTP}/confirm", headers=login, json={"code": _code(secret, -1)})
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    return secret, codes


def test_enrolment_shows_the_secret_its_uri_and_a_qr_image(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create(email="ada@example.com")
    enrolment = client.post(TOTP, headers=users.login_headers(client, user)).json()
    assert len(enrolment["secret"]) == 32
    parsed = pyotp.parse_uri(enrolment["otpauth_uri"])
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.secret, parsed.name) == (enrolment["secret"], "ada@example.com")
    assert parsed.issuer
    prefix = "data:image/png;base64,"
    assert enrolment["qr_image"].startswith(prefix)
    assert base64.b64decode(enrolment["qr_image"].removeprefix(prefix)).startswith(b"\x89PNG")


def test_with_a_second_factor_the_password_alone_yields_no_token(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create()
    secret, recovery_codes = _turn_on(client, users.login_headers(client, user))
    assert len(recovery_codes) == len(set(recovery_codes)) == 10

    needed = _password_grant(client, user)
    assert needed.status_code == 400
    assert needed.json()["error"] == "mfa_required"
    assert needed.headers["cache-control"] == "no-store"
    replayed = _password_grant(client, user, otp=_code(secret, -1))  # confirm's code
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    assert _password_grant(client, user, otp=_code(secret, 0)).status_code == 200
    again = _password_grant(client, user, otp=_code(secret, 0))
    assert again.json()["error"] == "invalid_grant"
    assert _password_grant(client, user, otp=_code(secret, 1)).status_code == 200


def test_a_recovery_code_works_once(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    _, recovery_codes = _turn_on(client, users.login_headers(client, user))
    first = recovery_codes[0]
    assert _password_grant(client, user, otp=first.upper()).status_code == 200
    spent = _password_grant(client, user, otp=first)
    assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")
    assert _password_grant(client, user, otp=recovery_codes[1]).status_code == 200


def test_turning_it_off_needs_a_fresh_code(client: TestClient, users: UserFactory) -> None:
    user = users.create()
    login = users.login_headers(client, user)
    secret, _ = _turn_on(client, login)
    wrong = client.request("DELETE", TOTP, headers=login, json={"code": "000000"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "code"]
    assert _password_grant(client, user).json()["error"] == "mfa_required"
    turned_off = client.request("DELETE", TOTP, headers=login, json={"code": _code(secret, 0)})
    assert turned_off.status_code == 204
    assert _password_grant(client, user).status_code == 200
    off = client.request("DELETE", TOTP, headers=login, json={"code": _code(secret, 1)})
    assert (off.status_code, off.json()) == (409, {"detail": "No second factor is on"})


def test_enrolment_mistakes_are_refused_in_words(client: TestClient, users: UserFactory) -> None:
    login = users.login_headers(client, users.create())
    nothing = client.post(f"{TOTP}/confirm", headers=login, json={"code": "123456"})
    assert nothing.status_code == 409
    secret = client.post(TOTP, headers=login).json()["secret"]
    for code in ("000000", "12345", "abcdef", _code(secret, 5)):
        wrong = client.post(f"{TOTP}/confirm", headers=login, json={"code": code})
        assert wrong.status_code == 422, code
    assert client.post(f"{TOTP}/confirm", headers=login, json={}).status_code == 422
    assert client.post(f"{TOTP}/confirm", headers=login, json={"code": _code(secret, 0)})
    already = client.post(TOTP, headers=login)
    assert already.json() == {"detail": "A second factor is already on: turn it off first"}


def test_wrong_codes_are_throttled_like_passwords(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = client_with(login_max_failures=2)
    user = users.create()
    secret, _ = _turn_on(client, users.login_headers(client, user))
    for _ in range(2):
        assert _password_grant(client, user, otp="000000").status_code == 400
    throttled = _password_grant(client, user, otp=_code(secret, 0))
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


def test_mfa_required_for_withholds_a_permission_until_a_login_with_a_code(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = client_with(mfa_required_for=["users:manage"])
    admin = users.create(roles=("admin",))
    password_only = users.login_headers(client, admin)
    refused = client.get("/api/v1/users", headers=password_only)
    assert refused.status_code == 403
    assert "second factor" in refused.json()["detail"]
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert client.get("/api/v1/todos", headers=password_only).status_code == 200  # a member's

    secret, _ = _turn_on(client, password_only)
    login = _password_grant(client, admin, otp=_code(secret, 0))
    assert login.status_code == 200, login.text
    with_code = bearer(login.json()["access_token"])
    assert client.get("/api/v1/users", headers=with_code).status_code == 200
    refreshed = client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": login.json()["refresh_token"]}
    )
    renewed = bearer(refreshed.json()["access_token"])
    assert client.get("/api/v1/users", headers=renewed).status_code == 200  # the session's
