from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ..conftest import ClientFactory
from ..factories import DEFAULT_PASSWORD, UserFactory
from ..smtp_server import Inbox, body, token_in

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/verify-email"
TOKEN = "/api/v1/auth/token"
NOT_VERIFIED = {
    "error": "invalid_grant",
    "error_description": (
        "Email address not verified: follow the link in the verification mail first"
    ),
}
CREDENTIALS = {
    "grant_type": "password",
    "username": "new@example.com",
    "password": DEFAULT_PASSWORD,
}


def _register(client: TestClient) -> None:
    response = client.post(
        REGISTER, json={"email": CREDENTIALS["username"], "password": CREDENTIALS["password"]}
    )
    assert response.status_code == 201
    assert response.json()["is_verified"] is False


def test_when_required_login_waits_for_the_verification_mails_token(
    client_with: ClientFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, email_verification_required=True)
    _register(client)
    refused = client.post(TOKEN, data=CREDENTIALS)
    assert refused.status_code == 400
    assert refused.json() == NOT_VERIFIED

    [mail] = inbox.to(CREDENTIALS["username"])
    assert mail["Subject"] == "Verify your email address"
    assert "48 hours" in body(mail)
    verified = client.post(VERIFY, json={"token": token_in(mail)})
    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True
    assert client.post(TOKEN, data=CREDENTIALS).status_code == 200


def test_a_wrong_password_of_an_unverified_account_is_still_incorrect(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = client_with(email_verification_required=True)
    user = users.create(is_verified=False)
    response = client.post(
        TOKEN,
        data={"grant_type": "password", "username": user.email, "password": "not the password"},
    )
    assert response.json()["error_description"] == "Incorrect email or password"


def test_following_the_link_twice_is_harmless(client_with: ClientFactory, inbox: Inbox) -> None:
    client = client_with(**inbox.settings, email_verification_required=True)
    _register(client)
    token = token_in(inbox.messages[0])
    assert client.post(VERIFY, json={"token": token}).status_code == 200
    assert client.post(VERIFY, json={"token": token}).json()["is_verified"] is True


def test_not_required_means_no_mail_and_logins_at_once(
    mail_client: TestClient, inbox: Inbox
) -> None:
    _register(mail_client)
    assert mail_client.post(TOKEN, data=CREDENTIALS).status_code == 200
    assert inbox.messages == []


def test_a_bad_verification_token_is_400(
    mail_client: TestClient, users: UserFactory, inbox: Inbox, session: Session
) -> None:
    user = users.create(is_verified=False)
    mail_client.post("/api/v1/auth/password-recovery", json={"email": user.email})
    reset_token = token_in(inbox.messages[0])
    for token in ("not-a-token", reset_token):
        response = mail_client.post(VERIFY, json={"token": token})
        assert response.status_code == 400
        assert response.json() == {"detail": "The email verification token is invalid or expired"}
    session.refresh(user)
    assert not user.is_verified
