import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.logging import RequestIdFilter
from {{ cookiecutter.package_name }}.core.security import (
    TokenPurpose,
    create_token,
    password_fingerprint,
)
from {{ cookiecutter.package_name }}.users.models import User

from ..conftest import TEST_SECRET_KEY, ClientFactory
from ..factories import DEFAULT_PASSWORD, UserFactory, bearer
from ..smtp_server import Inbox, body, free_port, token_in

RECOVERY = "/api/v1/auth/password-recovery"
RESET = "/api/v1/auth/reset-password"
TOKEN = "/api/v1/auth/token"
NEW_PASSWORD = "a new password after the reset"
ACCEPTED = {"message": "If an account has this address, a password reset mail is on its way to it"}


def _reset_token(client: TestClient, inbox: Inbox, email: str) -> str:
    response = client.post(RECOVERY, json={"email": email})
    assert response.status_code == 202
    return token_in(inbox.to(email)[-1])


def _reset(client: TestClient, token: str, password: str = NEW_PASSWORD) -> Response:
    return client.post(RESET, json={"token": token, "new_password": password})


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password}
    ).status_code


def test_recovery_mails_a_reset_token_in_text_and_html(
    mail_client: TestClient, users: UserFactory, inbox: Inbox
) -> None:
    user = users.create()
    response = mail_client.post(RECOVERY, json={"email": user.email.upper()})
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    [mail] = inbox.messages
    assert mail["To"] == user.email
    assert mail["From"] == "noreply@example.com"
    assert mail["Subject"] == "Reset your password"
    token = token_in(mail)
    assert token in body(mail, "html")
    assert "30 minutes" in body(mail)


def test_recovery_of_an_unknown_address_answers_the_same_and_mails_nothing(
    mail_client: TestClient, inbox: Inbox
) -> None:
    response = mail_client.post(RECOVERY, json={"email": "nobody@example.com"})
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert inbox.messages == []


def test_a_deactivated_account_gets_no_recovery_mail(
    mail_client: TestClient, users: UserFactory, inbox: Inbox
) -> None:
    user = users.create(is_active=False)
    assert mail_client.post(RECOVERY, json={"email": user.email}).status_code == 202
    assert inbox.messages == []


def test_recovery_of_a_malformed_address_is_422(mail_client: TestClient) -> None:
    assert mail_client.post(RECOVERY, json={"email": "not an address"}).status_code == 422


@pytest.fixture
def user(users: UserFactory) -> User:
    return users.create(is_verified=False)


@pytest.fixture
def mailed_token(mail_client: TestClient, inbox: Inbox, user: User) -> str:
    """The token of the reset mail `user` asked for."""
    return _reset_token(mail_client, inbox, user.email)


def test_reset_replaces_the_password(
    mail_client: TestClient, user: User, mailed_token: str
) -> None:
    response = _reset(mail_client, mailed_token)
    assert response.status_code == 200
    assert response.json() == {"message": "Password changed: log in with the new one"}
    assert _login(mail_client, user.email, NEW_PASSWORD) == 200
    assert _login(mail_client, user.email, DEFAULT_PASSWORD) == 400


def test_a_reset_token_works_once(mail_client: TestClient, user: User, mailed_token: str) -> None:
    assert _reset(mail_client, mailed_token).status_code == 200
    again = _reset(mail_client, mailed_token, "yet another one")
    assert again.status_code == 400
    assert again.json() == {
        "detail": "The password reset token is invalid, expired or already used"
    }
    assert _login(mail_client, user.email, NEW_PASSWORD) == 200


def test_tokens_issued_before_a_reset_stop_working(
    mail_client: TestClient, users: UserFactory, inbox: Inbox
) -> None:
    user = users.create()
    tokens = users.login(mail_client, user)
    older_reset_token = _reset_token(mail_client, inbox, user.email)
    token = _reset_token(mail_client, inbox, user.email)
    assert _reset(mail_client, token).is_success
    access = bearer(tokens["access_token"])
    assert mail_client.get("/api/v1/users/me", headers=access).status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert mail_client.post(TOKEN, data=refresh).json()["error"] == "invalid_grant"
    stale = _reset(mail_client, older_reset_token, "x" * 12)
    assert stale.status_code == 400


def test_a_reset_proves_the_address(
    mail_client: TestClient, user: User, mailed_token: str, session: Session
) -> None:
    assert _reset(mail_client, mailed_token).is_success
    session.refresh(user)
    assert user.is_verified


FORGER_KEY = "a forger's guess of the secret key, long enough"


@pytest.mark.parametrize(
    ("purpose", "key", "expires_in", "fingerprinted"),
    [
        (TokenPurpose.PASSWORD_RESET, TEST_SECRET_KEY, -1, True),
        (TokenPurpose.PASSWORD_RESET, FORGER_KEY, 5, True),
        (TokenPurpose.PASSWORD_RESET, TEST_SECRET_KEY, 5, False),
        (TokenPurpose.ACCESS, TEST_SECRET_KEY, 5, True),
        (TokenPurpose.EMAIL_VERIFICATION, TEST_SECRET_KEY, 5, True),
    ],
    ids=["expired", "forged", "no-password-fingerprint", "access-token", "verification-token"],
)
def test_a_bad_reset_token_is_400(
    client: TestClient,
    users: UserFactory,
    purpose: TokenPurpose,
    key: str,
    expires_in: int,
    fingerprinted: bool,
) -> None:
    user = users.create()
    claims = {"pwd": password_fingerprint(user.hashed_password)} if fingerprinted else {}
    token = create_token(
        purpose,
        str(user.id),
        secret_key=key,
        expires_in=timedelta(minutes=expires_in),
        claims=claims,
    )
    response = _reset(client, token)
    assert response.status_code == 400
    assert _login(client, user.email, DEFAULT_PASSWORD) == 200


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 5000])
def test_a_malformed_reset_request_is_refused(client: TestClient, token: str) -> None:
    response = _reset(client, token)
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "password_too_short"),
        ("password1", "password_common"),
        ("qwertyqwerty", "password_repetitive"),
        ("abcdefgh", "password_sequential"),
    ],
)
def test_a_reset_refuses_a_password_the_policy_refuses(
    mail_client: TestClient, mailed_token: str, password: str, rule: str
) -> None:
    response = _reset(mail_client, mailed_token, password)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == (rule, ["body", "new_password"])
    assert password not in error["msg"]
    assert _reset(mail_client, mailed_token).is_success  # the token still works


def test_a_reset_refuses_a_password_made_of_the_accounts_email(
    mail_client: TestClient, user: User, mailed_token: str
) -> None:
    response = _reset(mail_client, mailed_token, f"{user.email}!")
    assert response.json()["detail"][0]["type"] == "password_email"


def test_recovery_of_an_address_at_a_test_domain_is_mailed(
    mail_client: TestClient, users: UserFactory, inbox: Inbox
) -> None:
    """RFC 6761 §6.2: .test names are addresses like any other."""
    user = users.create(email="ada@lab.test")
    assert mail_client.post(RECOVERY, json={"email": "Ada@Lab.test"}).status_code == 202
    assert [mail["To"] for mail in inbox.messages] == [user.email]


def test_recovery_mails_link_to_the_public_url(
    client_with: ClientFactory, users: UserFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, public_url="https://app.example.com/")
    user = users.create()
    token = _reset_token(client, inbox, user.email)
    link = f"https://app.example.com/reset-password?token={token}"
    assert link in body(inbox.messages[0])
    assert f'href="{link}"' in body(inbox.messages[0], "html")


def test_without_an_smtp_host_recovery_still_answers_and_warns(
    client: TestClient, users: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    user = users.create()
    with caplog.at_level(logging.WARNING):
        response = client.post(RECOVERY, json={"email": user.email})
    assert response.status_code == 202
    assert "SMTP_HOST is not set" in caplog.text


def test_a_failed_send_is_logged_with_the_request_id_and_answers_the_same(
    client_with: ClientFactory, users: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    nothing_listens = free_port()
    client = client_with(smtp_host="127.0.0.1", smtp_port=nothing_listens, smtp_tls=False)
    user = users.create()
    caplog.handler.addFilter(RequestIdFilter())
    response = client.post(
        RECOVERY, json={"email": user.email}, headers={"X-Request-ID": "recovery-42"}
    )
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert failure.getMessage().startswith("Could not send the mail 'Reset your password'")
    assert getattr(failure, "request_id", None) == "recovery-42"


def test_a_database_outage_refuses_the_recovery_with_503(client_with: ClientFactory) -> None:
    """The mail is recorded in the outbox before the answer: without a database nothing is,
    and the client is told to try again instead of waiting for a mail that never comes."""
    nothing_listens = free_port()
    client = client_with(database_url=f"postgresql://app@127.0.0.1:{nothing_listens}/app")
    response = client.post(RECOVERY, json={"email": "someone@example.com"})
    assert response.status_code == 503
    assert "Retry-After" in response.headers
