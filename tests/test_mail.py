"""Account mails end to end: the defaults bake served by gunicorn on PostgreSQL, sending to a
real SMTP server (aiosmtpd) that this test runs and reads."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from .baked_project import TEST_SECRET_KEY, InstalledProject
from .conftest import variant
from .postgres import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

PASSWORD = "the first password of all"
NEW_PASSWORD = "the password after the reset"
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
# The SMTP server takes this long to accept each mail: answers must not wait for it.
SMTP_DELAY = 1.5


class SlowInbox:
    """aiosmtpd's handler: keeps every mail, after a delay like a distant server's."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        await asyncio.sleep(SMTP_DELAY)
        with self.lock:
            self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for_mail_to(self, address: str, timeout: float = 20) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [mail for mail in self.mails if mail["To"] == address]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no mail to {address} within {timeout} s")

    def addresses(self) -> list[str]:
        with self.lock:
            return [str(mail["To"]) for mail in self.mails]


@contextlib.contextmanager
def slow_smtp_server() -> Iterator[tuple[SlowInbox, int]]:
    """An SMTP server on a free local port, its inbox, and the port."""
    handler, port = SlowInbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[SlowInbox, int]]:
    with slow_smtp_server() as inbox:
        yield inbox


def _token_in(mail: EmailMessage) -> str:
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    [token] = set(JWT.findall(text.get_content()))
    return str(token)


def _login(api: httpx.Client, email: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": email, "password": password}
    return api.post("/api/v1/auth/token", data=form)


def _bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _serve(
    project: InstalledProject, database: str, port: int, **env: str
) -> contextlib.AbstractContextManager[httpx.Client]:
    return project.serve(
        DATABASE_URL=database,
        ENVIRONMENT="production",
        SECRET_KEY=TEST_SECRET_KEY,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_TLS="false",
        EMAILS_FROM="accounts@example.com",
        **env,
    )


def test_password_recovery_by_mail(
    project: InstalledProject, migrated_database: str, inbox: tuple[SlowInbox, int]
) -> None:
    mails, port = inbox
    with _serve(project, migrated_database, port) as api:
        email = "forgetful@example.com"
        assert api.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        ).is_success
        answers = []
        for address in ("nobody@example.com", email):
            started = time.monotonic()
            answers.append(api.post("/api/v1/auth/password-recovery", json={"email": address}))
            assert time.monotonic() - started < SMTP_DELAY, "the answer waited for the mail"
        assert [answer.status_code for answer in answers] == [202, 202]
        assert answers[0].json() == answers[1].json()

        mail = mails.wait_for_mail_to(email)
        assert mail["From"] == "accounts@example.com"
        assert mail.get_body(preferencelist=("html",)) is not None
        token = _token_in(mail)
        reset = {"token": token, "new_password": NEW_PASSWORD}
        assert api.post("/api/v1/auth/reset-password", json=reset).status_code == 200
        assert _login(api, email, PASSWORD).json()["error"] == "invalid_grant"
        assert _login(api, email, NEW_PASSWORD).status_code == 200
        reused = api.post("/api/v1/auth/reset-password", json={**reset, "new_password": "x" * 12})
        assert reused.status_code == 400
        assert "invalid, expired or already used" in reused.json()["detail"]
    assert mails.addresses() == [email], "the unknown address got a mail"


def test_verification_required_holds_logins_until_verified(
    project: InstalledProject, migrated_database: str, inbox: tuple[SlowInbox, int]
) -> None:
    mails, port = inbox
    with _serve(project, migrated_database, port, EMAIL_VERIFICATION_REQUIRED="true") as api:
        email = "newcomer@example.com"
        registered = api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201
        assert registered.json()["is_verified"] is False
        refused = _login(api, email, PASSWORD)
        assert refused.status_code == 400
        assert refused.json()["error_description"].startswith("Email address not verified")

        token = _token_in(mails.wait_for_mail_to(email))
        verified = api.post("/api/v1/auth/verify-email", json={"token": token})
        assert verified.status_code == 200
        assert verified.json()["is_verified"] is True
        assert _login(api, email, PASSWORD).status_code == 200


def test_deactivation_ends_an_existing_token_at_once(
    project: InstalledProject, migrated_database: str, inbox: tuple[SlowInbox, int]
) -> None:
    mails, port = inbox
    admin_password = "the admin's own password"
    project.run(
        project.path.name,
        "create-superuser",
        "--email",
        "admin@example.com",
        DATABASE_URL=migrated_database,
        SUPERUSER_PASSWORD=admin_password,
    )
    # Verification required: the superuser the CLI made is verified and can log in.
    with _serve(project, migrated_database, port, EMAIL_VERIFICATION_REQUIRED="true") as api:
        admin = _bearer(_login(api, "admin@example.com", admin_password))
        email = "leaver@example.com"
        registered = api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        token = _token_in(mails.wait_for_mail_to(email))
        assert api.post("/api/v1/auth/verify-email", json={"token": token}).is_success
        user = _bearer(_login(api, email, PASSWORD))
        assert api.get("/api/v1/users/me", headers=user).status_code == 200

        user_url = f"/api/v1/users/{registered.json()['id']}"
        deactivated = api.patch(user_url, headers=admin, json={"is_active": False})
        assert deactivated.status_code == 200
        assert api.get("/api/v1/users/me", headers=user).status_code == 401
        assert api.get(user_url, headers=user).status_code == 401
        assert api.get(user_url, headers=admin).json()["is_active"] is False
