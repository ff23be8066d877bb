"""Account mails are capped per address and per client (MAIL_MAX_PER_ADDRESS,
MAIL_MAX_PER_CLIENT); past a cap the answer is the same 202 and nothing is sent, whether or
not an account has the address."""

from fastapi.testclient import TestClient

from ..conftest import ClientFactory
from ..factories import UserFactory
from ..smtp_server import Inbox

RECOVERY = "/api/v1/auth/password-recovery"
VERIFICATION_MAIL = "/api/v1/auth/verification-mail"
REGISTER = "/api/v1/auth/register"


def _answers(client: TestClient, url: str, emails: list[str]) -> list[tuple[int, str]]:
    return [
        (answer.status_code, answer.text)
        for answer in (client.post(url, json={"email": email}) for email in emails)
    ]


def test_recovery_mails_stop_at_the_cap_per_address_with_the_same_answer(
    client_with: ClientFactory, users: UserFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, mail_max_per_address=2)
    user = users.create()
    known = _answers(client, RECOVERY, [user.email, user.email.upper(), user.email])
    unknown = _answers(client, RECOVERY, ["nobody@example.com"] * 3)
    assert len(set(known + unknown)) == 1
    assert known[0][0] == 202
    assert len(inbox.to(user.email)) == 2
    assert inbox.messages == inbox.to(user.email)


def test_a_client_cannot_have_mails_sent_to_many_addresses(
    client_with: ClientFactory, users: UserFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, mail_max_per_client=3)
    accounts = [users.create() for _ in range(4)]
    answers = _answers(client, RECOVERY, [account.email for account in accounts])
    assert len(set(answers)) == 1
    assert [len(inbox.to(account.email)) for account in accounts] == [1, 1, 1, 0]


def test_a_verification_mail_is_sent_again_to_an_unverified_account_only(
    client_with: ClientFactory, users: UserFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, email_verification_required=True)
    unverified, verified = users.create(is_verified=False), users.create()
    answers = _answers(
        client, VERIFICATION_MAIL, [unverified.email, verified.email, "nobody@example.com"]
    )
    assert len(set(answers)) == 1
    assert answers[0][0] == 202
    [mail] = inbox.messages
    assert mail["To"] == unverified.email
    assert mail["Subject"] == "Verify your email address"


def test_registrations_count_towards_the_clients_cap(
    client_with: ClientFactory, inbox: Inbox
) -> None:
    client = client_with(**inbox.settings, email_verification_required=True, mail_max_per_client=2)
    emails = [f"new{number}@example.com" for number in range(3)]
    for email in emails:
        registered = client.post(
            REGISTER, json={"email": email, "password": "a long enough passphrase"}
        )
        assert registered.status_code == 201
    assert [len(inbox.to(email)) for email in emails] == [1, 1, 0]
    assert client.post(VERIFICATION_MAIL, json={"email": emails[2]}).status_code == 202
    assert inbox.to(emails[2]) == []
